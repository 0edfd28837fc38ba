"""Audio analysis: load any format, measure (loudness, peaks, silences, rate, pitch), compare, plot;
objective quality proxies (``quality``: DNSMOS, ASR round trip) and listening tests (``listening``).

>>> from qavix_lab import audio
>>> audio.compare("a.mp3", "b.mp3", texts="Hello there!")
"""

from .clip import Audio
from .compare import compare, match_loudness
from .corpus import metrics_many
from .load import load
from .metrics import loudness, metrics
from .pitch import pitch_track
from .plots import plot
from .proxies import MissingExtra, quality
from .syllables import count_characters, count_syllables

__all__ = ["Audio", "load", "metrics", "metrics_many", "loudness", "pitch_track", "compare",
           "match_loudness", "plot", "count_syllables", "count_characters", "quality",
           "MissingExtra"]
