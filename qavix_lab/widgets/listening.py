"""ListeningWidget: raters take turns on a :class:`~qavix_lab.audio.listening.ListeningTest`.

A rater types a name and answers every trial in their own order, with the keyboard (1..9 play,
arrows choose, Enter goes on) or the mouse; then the next rater. The browser gets the trial
number, the slot letters and the encoded stimuli of the current trial only: never a system
name, a file name or a path. Everything is reachable without the widget: ``test.session(name)``.

>>> ListeningWidget(test)          # then: test.analyze()
"""

from __future__ import annotations

import base64
import html
from typing import Any

import anywidget
import traitlets

from ..audio.listening import ListeningTest, RaterSession
from ..audio.listening.page import asset
from ..audio.listening.stimuli import mime_type
from ..errors import QavixError, ValidationError

__all__ = ["ListeningWidget"]


def _widget_asset(name: str) -> str:
    from importlib import resources

    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


class ListeningWidget(anywidget.AnyWidget):
    """Run ``test`` in the notebook; ``start(rater)`` and ``answer(value)`` work from Python."""

    _esm = asset("trial_view.js") + "\n" + _widget_asset("listening.js")
    _css = asset("trial_view.css") + "\n" + _widget_asset("listening.css")
    kind = traitlets.Unicode("ab").tag(sync=True)
    rater = traitlets.Unicode("").tag(sync=True)
    trial = traitlets.Dict().tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)

    def __init__(self, test: ListeningTest, rater: str | None = None) -> None:
        if not isinstance(test, ListeningTest):
            raise ValidationError(f"ListeningWidget runs a ListeningTest, got "
                                  f"{type(test).__name__}", where="ListeningWidget(test)")
        super().__init__(kind=test.kind, message="Type your name and press Start.")
        self.test = test
        self.session: RaterSession | None = None
        self._data: dict[str, str] = {}
        self.on_msg(self._on_message)
        if rater is not None:
            self.start(rater)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The widget view, plus a static line (the test and who answered) for exported
        notebooks and front ends without the widget."""
        bundle = super()._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle  # (data, metadata) or data
        if isinstance(data, dict):
            raters = ", ".join(self.test.raters) or "nobody yet"
            data["text/html"] = (f"<p><b>{html.escape(repr(self.test))}</b><br>answered by: "
                                 f"{html.escape(raters)}</p>")
        return bundle

    def start(self, rater: str) -> RaterSession:
        """Begin ``rater``'s turn (their own trial order); the current rater's turn ends."""
        self.session = self.test.session(rater)
        self.rater = self.session.rater
        done = int((self.test.answers["rater"] == self.rater).sum())
        self.message = f"{self.rater}" + (f" (again: {done} earlier answers are replaced)"
                                          if done else "")
        self._show()
        return self.session

    def answer(self, value: Any, seconds: float | None = None) -> None:
        """Answer the current trial as the page does (e.g. "A", 2, or a list of scores)."""
        if self.session is None or self.session.done:
            raise ValidationError("start a rater first", where="ListeningWidget.answer")
        self.session.answer(value, seconds)
        self._show()

    def _clip(self, token: str) -> str:
        if token not in self._data:
            data = base64.b64encode(self.test.paths[token].read_bytes()).decode("ascii")
            self._data[token] = f"data:{mime_type(self.test.codec)};base64,{data}"
        return self._data[token]

    def _show(self) -> None:
        session = self.session
        if session is None or session.done:
            self.trial = {}
            if session is not None:
                self.message = (f"Thank you, {session.rater}: {session.total} answers. Next "
                                "rater: type a name and press Next rater.")
            return
        trial = session.trial
        assert trial is not None
        self.trial = {"id": trial.id, "number": session.number, "total": session.total,
                      "letters": list(trial.letters),
                      "clips": [self._clip(t) for t in trial.stimuli]}
        session.present()

    def _on_message(self, _: Any, content: Any, buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        try:
            if content.get("type") == "start":
                self.start(str(content.get("rater", "")))
            elif content.get("type") == "answer" and self.session is not None and \
                    self.session.trial is not None and \
                    content.get("trial") == self.session.trial.id:
                seconds = content.get("seconds")
                self.answer(content.get("answer"),
                            float(seconds) if isinstance(seconds, int | float) else None)
        except QavixError as exc:
            self.message = exc.message
