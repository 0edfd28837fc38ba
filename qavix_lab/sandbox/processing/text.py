"""The sandbox's text: pseudo-translation, the script tag, and subtitles (SRT and burning)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from ...errors import MediaError

_SUBTITLE_STYLE = "FontName=DejaVu Sans,FontSize=16,Outline=1.5,Shadow=0,MarginV=12"

# The sample clip's script (datasets/media) and a few greetings, so demos read naturally.
_PHRASES = [
    {"en": "Welcome to the Qavix demo.", "fr": "Bienvenue dans la démo Qavix.",
     "es": "Bienvenido a la demo de Qavix.", "de": "Willkommen zur Qavix-Demo.",
     "zh": "欢迎来到 Qavix 演示。"},
    {"en": "This clip has speech, subtitles and a logo.",
     "fr": "Ce clip contient de la parole, des sous-titres et un logo.",
     "es": "Este clip tiene voz, subtítulos y un logotipo.",
     "de": "Dieser Clip hat Sprache, Untertitel und ein Logo.",
     "zh": "这个片段有语音、字幕和标志。"},
    {"en": "Try erasing the logo in the corner.", "fr": "Essayez d'effacer le logo dans le coin.",
     "es": "Intenta borrar el logotipo de la esquina.",
     "de": "Versuche, das Logo in der Ecke zu entfernen.", "zh": "试着擦除角落里的标志。"},
    {"en": "Then translate it into another language.",
     "fr": "Puis traduisez-le dans une autre langue.", "es": "Luego tradúcelo a otro idioma.",
     "de": "Dann übersetze es in eine andere Sprache.", "zh": "然后把它翻译成另一种语言。"},
    {"en": "Hello.", "fr": "Bonjour.", "es": "Hola.", "de": "Hallo.", "zh": "你好。"},
    {"en": "Thank you.", "fr": "Merci.", "es": "Gracias.", "de": "Danke.", "zh": "谢谢。"},
]
_PHRASE_ROWS = {" ".join(text.lower().split()): row for row in _PHRASES for text in row.values()}


def translate_text(text: str, source_lang: str, dest_lang: str) -> str:
    """The sandbox's deterministic pseudo-translation: ``translate_text("Hello.", "en", "fr")``
    is "Bonjour." (any language of the phrase table to any other); a sentence not in it comes
    back marked with the target language: "[fr] Good night."."""
    dest = _base_lang(dest_lang)
    if dest == _base_lang(source_lang):
        return text
    known = _PHRASE_ROWS.get(" ".join(text.lower().split()), {})
    return known.get(dest, f"[{dest}] {text}")


def script_comment(sentences: Sequence[str], lang: str) -> str:
    """The ``comment`` tag value that carries a clip's script (write it with ffmpeg
    ``-metadata comment=...``); :func:`read_script` reads it back."""
    return json.dumps({"qavix_script": list(sentences), "lang": lang}, ensure_ascii=True)


def burn_filter(srt: str | Path, fonts_dir: Path, width: int | None = None,
                height: int | None = None) -> str:
    """The ffmpeg ``subtitles`` filter for ``srt`` in DejaVu Sans (copied into ``fonts_dir``,
    so libass needs no system fonts)."""
    import matplotlib

    shutil.copy(Path(matplotlib.get_data_path(), "fonts", "ttf", "DejaVuSans.ttf"), fonts_dir)
    size = f":original_size={width}x{height}" if width and height else ""
    return (f"subtitles=filename='{_filter_path(srt)}':fontsdir='{_filter_path(fonts_dir)}'"
            f":force_style='{_SUBTITLE_STYLE}'{size}")


def write_srt(sentences: list[dict], path: str | Path) -> None:
    import datetime

    import srt

    def at(ms: str) -> datetime.timedelta:
        return datetime.timedelta(milliseconds=int(ms))

    cues = [srt.Subtitle(i + 1, at(s["bg"]), at(s["ed"]), s.get("dst", s["onebest"]))
            for i, s in enumerate(sentences)]
    Path(path).write_text(srt.compose(cues), encoding="utf-8")


def _base_lang(code: str) -> str:
    return re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]


def _filter_path(path: str | Path) -> str:
    """A path inside a quoted filter option: ``'`` and ``\\`` would end or escape the quote."""
    text = str(Path(path).resolve())
    if any(char in text for char in "'\\"):
        raise MediaError("ffmpeg filters cannot take a path with ' or \\ in it", where=text)
    return text
