"""The sentence-list form (what the sandbox emits, like iFlytek's lfasr ``onebest`` lists).

``[{"bg", "ed", "onebest", "speaker", "wordsResultList": [{"wordBg", "wordEd", "wordsName",
"wp", "wc"}], "dst"?}]``, alone or as the ``data`` (JSON text) of the long-audio v1 answer
``{"ok": 0, "err_no": 0, "failed": null, "data": "[...]"}``: ``bg``/``ed`` in ms from the start
of the media, ``wordBg``/``wordEd`` in 10 ms frames from the sentence's ``bg`` (see
``draft.WORD_FRAME_MS``), ``dst`` the translation. Texts are stripped (a real result has
sentences with a leading space).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .draft import WORD_TAGS, Draft
from .records import Records

SENTENCE_KEYS = ("onebest", "wordsResultList")


def read(value: Any, where: str) -> Draft:
    """A :class:`Draft` from a sentence list (or its JSON text)."""
    rows = Records.of_list(value, where)
    draft = Draft(
        segment_id=[str(i) for i in range(len(rows))],
        start_ms=rows.numbers("bg"),
        end_ms=rows.numbers("ed"),
        speaker=rows.texts("speaker", "0"),
        text=rows.texts("onebest", None),
        translation=rows.texts("dst", None),
        score=np.full(len(rows), np.nan),
        sentence_place=(rows.place, "bg", "ed"),
    )
    words = rows.children("wordsResultList", optional=True)
    draft.word_place = (words.place, "wordBg", "wordEd")
    draft.set_words(words.index_in(rows), words.numbers("wordBg"), words.numbers("wordEd"),
                    words.texts("wordsName"), words.codes("wp", WORD_TAGS, "n"),
                    words.numbers("wc", None))
    return draft
