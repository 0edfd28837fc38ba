"""What the sandbox's video tasks really do to a file, with the bundled ffmpeg.

Every task is a plain function on local paths. It reports how far it got to ``progress`` (a
fraction 0..1, called as work advances) and raises MediaError when an input is not usable media.

Stand-ins for the service's AI, deterministic so tests can check them:
- ASR: the clip's script travels in its ``comment`` tag (:func:`script_comment`); its sentences
  are laid on the speech regions found in the audio (:func:`detect_speech`). A clip without a
  script gets one placeholder sentence ("Speech segment 1.") per speech region.
- translation: a small phrase table, else the sentence marked with the target language
  ("[fr] Hello."); see :func:`translate_text`.
- erasure: a strong box blur (text) or ffmpeg ``delogo`` (logos) over the boxes.
- face swap: the face image laid over the upper centre of the picture.

>>> erase("in.mp4", "out.mp4", areas=None, mode=1, erase_type=3, progress=print)
"""

from .erasure import erase
from .listening import detect_speech, read_script, transcript
from .swapping import cover, faceswap, lipsync
from .text import burn_filter, script_comment, translate_text
from .translation import subtitles, translate

__all__ = ["cover", "erase", "detect_speech", "read_script", "transcript", "translate",
           "subtitles", "lipsync", "faceswap", "translate_text", "script_comment", "burn_filter"]
