"""``export_html``: one self-contained page that runs a listening test offline; its results.

The page holds the trials (IDs and stimulus tokens), the slot letters and the encoded stimuli as
data URIs. No system name, file name or path is written into it. The rater's answers come back
as a small JSON file (or the same text pasted), read by :func:`read_results`.
"""

from __future__ import annotations

import base64
import html
import json
import os
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import ValidationError
from .stimuli import mime_type

if TYPE_CHECKING:
    from .design import ListeningTest

FORMAT = "qavix-listening-results/1"
INSTRUCTIONS = {
    "ab": "Listen to A and B, then say which sounds better, or that you have no preference.",
    "abx": "Listen to A, B and X. X is the same recording as A or as B: say which.",
    "cmos": "Listen to A and B, then rate B against A from -3 (A much better) to +3 "
            "(B much better).",
    "mushra": "Listen to every version of the sentence and score each from 0 (bad) to 100 "
              "(excellent). Compare them with each other.",
}


def asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def render_page(test: ListeningTest, *, title: str, instructions: str | None) -> str:
    mime = mime_type(test.codec)
    used = {token for t in test.order("page") for token in t.stimuli}
    data = {
        "test": test.id,
        "kind": test.kind,
        "trials": [{"id": t.id, "letters": list(t.letters), "stimuli": list(t.stimuli)}
                   for t in test.order("page")],
        "stimuli": {token: f"data:{mime};base64," + base64.b64encode(
            test.paths[token].read_bytes()).decode("ascii") for token in sorted(used)},
    }
    payload = json.dumps(data).replace("</", "<\\/")
    text = html.escape(instructions or INSTRUCTIONS[test.kind])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>
body {{ font: 15px/1.4 system-ui, sans-serif; margin: 24px auto; max-width: 760px;
  padding: 0 12px; }}
.ql-done textarea {{ width: 100%; height: 120px; margin-top: 8px; font: 12px monospace; }}
.ql-done a, .ql-done button {{ margin-right: 12px; }}
{asset("trial_view.css")}
</style></head>
<body>
<h1>{html.escape(title)}</h1>
<div id="app">
<p>{text}</p>
<p>Use headphones in a quiet room. Play each clip as often as you like: keys 1, 2 (3) play,
the arrow keys choose, Enter goes on. {len(data["trials"])} trials.</p>
<label>Your name or initials: <input id="ql-rater" autocomplete="off"></label>
<button id="ql-start">Start</button>
</div>
<script type="application/json" id="qavix-test">{payload}</script>
<script>
{asset("trial_view.js")}
{asset("page.js")}
</script>
</body></html>
"""


def _parse(source: Any) -> tuple[dict[str, Any], str]:
    if isinstance(source, dict):
        return source, "results dict"
    if isinstance(source, os.PathLike) or (isinstance(source, str) and
                                          not source.lstrip().startswith("{")):
        path = Path(source)
        if not path.is_file():
            raise ValidationError("no such results file", where=str(path))
        text, where = path.read_text(encoding="utf-8"), str(path)
    elif isinstance(source, str):
        text, where = source, "pasted results"
    else:
        raise ValidationError(f"results are a path, the pasted text or a dict, got "
                              f"{type(source).__name__}", where="add_results")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"not a results file (JSON error: {exc.msg} at character "
                              f"{exc.pos})", where=where) from exc
    if not isinstance(data, dict):
        raise ValidationError("not a results file (expected a JSON object)", where=where)
    return data, where


def read_results(test: ListeningTest, source: Any) -> tuple[str, list[tuple[str, Any, Any]]]:
    """The rater and their (trial, answer, seconds) from one results file, checked."""
    data, where = _parse(source)
    if data.get("format") != FORMAT:
        raise ValidationError(f"not a results file of this tool (format {data.get('format')!r})",
                              where=where)
    if data.get("test") != test.id:
        raise ValidationError(f"these answers belong to another test ({data.get('test')!r}, "
                              f"this one is {test.id!r})", where=where)
    rater, answers = data.get("rater"), data.get("answers")
    if not isinstance(rater, str) or not rater.strip() or not isinstance(answers, list):
        raise ValidationError("a results file needs a rater name and a list of answers",
                              where=where)
    out = []
    for n, entry in enumerate(answers):
        if not isinstance(entry, dict) or "trial" not in entry or "answer" not in entry:
            raise ValidationError("an answer needs 'trial' and 'answer'",
                                  where=f"{where}: answers[{n}]")
        seconds = entry.get("response_s")
        out.append((str(entry["trial"]), entry["answer"],
                    float(seconds) if isinstance(seconds, int | float) else None))
    return rater, out
