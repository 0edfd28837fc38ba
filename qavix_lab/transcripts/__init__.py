"""Transcripts of translation tasks: iFlytek shapes parsed into timelines, QA, subtitles.

>>> from qavix_lab.transcripts import from_task, qa
>>> source, translated = from_task(task)            # doctest: +SKIP
>>> source.plot(other=translated)                   # doctest: +SKIP
>>> qa(translated, profile="en")                    # doctest: +SKIP
>>> translated.save_srt("dub.en.srt")               # doctest: +SKIP
"""

from ..errors import TranscriptFormatError
from .corpus import read_many
from .parse import detect, from_task, parse
from .profiles import PROFILES, Profile, profile_table
from .quality import fix, plot_qa, qa, qa_summary, sentence_metrics
from .records import TranscriptWarning
from .subtitles import compare_timing, read_srt
from .timeline import Timeline

__all__ = ["PROFILES", "Profile", "Timeline", "TranscriptFormatError", "TranscriptWarning",
           "compare_timing", "detect", "fix", "from_task", "parse", "plot_qa", "profile_table",
           "qa", "qa_summary", "read_many", "read_srt", "sentence_metrics"]
