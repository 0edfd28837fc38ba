"""TtsAB: one text in two or more voices, side by side, measured, plotted, and blind-tested.

A thin front on the analysis: the speech comes from ``client.tts`` (watched by a
:class:`TaskMonitor`), the table from :func:`qavix_lab.audio.compare`, the picture from
:func:`qavix_lab.audio.plot`, matched playback from :func:`qavix_lab.audio.match_loudness`, the
blind stimuli from :mod:`qavix_lab.audio.listening.stimuli` and the blind test is a
:class:`~qavix_lab.audio.listening.BlindTest`. For several raters, kinds (ABX, CMOS, MUSHRA) or
a shareable page: :meth:`TtsAB.listening_test`. Synthesis runs in a worker thread.

In the blind test the browser gets only the two clips' audio and the letters "A" and "B". Both
clips are trimmed, loudness-matched and padded to the same length (a duration, a level or a
leading silence must not give a voice away); which voice is which stays in Python until the end.

>>> ab = TtsAB(client, voices=browser.selected, text="Welcome back!"); ab
>>> ab.synthesize().result(); ab.metrics
"""

from __future__ import annotations

import concurrent.futures
import html
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from ..audio.listening.blinding import SLOTS, BlindTest
from ..errors import QavixError, ValidationError
from .task_monitor import TaskMonitor

__all__ = ["TtsAB"]

DEFAULT_TEXT = "The quick brown fox jumps over the lazy dog. How does this voice sound to you?"
TABLE_STYLE = """<style>
.qa-metrics { border-collapse: collapse; line-height: 1.3; }
.qa-metrics th, .qa-metrics td { padding: 2px 10px; text-align: right; }
.qa-metrics tbody tr:nth-child(odd) { background: var(--jp-layout-color2, #f3f3f3); }
</style>"""
TABLE_METRICS = ["duration_s", "loudness_lufs", "true_peak_dbtp", "silence_ratio", "chars_per_s",
                 "syllables_per_s", "f0_median_hz", "f0_range_st", "centroid_hz"]


def _given_name(voice: Any) -> str | None:
    """The name a voice row, dict or model carries (an ID alone carries none)."""
    if isinstance(voice, str | int):
        return None
    name = voice.get("name") if hasattr(voice, "get") else getattr(voice, "name", None)
    return name if isinstance(name, str) and name.strip() else None


def _catalog_names(client: Any) -> dict[str, str]:
    try:
        catalog = client.voices.frame()
    except QavixError:
        return {}  # labels fall back to the IDs
    return {str(i): n for i, n in zip(catalog["voice_id"], catalog["name"], strict=True)
            if isinstance(n, str)}


def _voice_labels(client: Any, voices: Any) -> tuple[list[str], list[str]]:
    """Voice IDs and readable, unique labels (names from the rows given, or the catalog)."""
    from ..client.resources import voice_id

    if hasattr(voices, "iterrows"):
        items = [row for _, row in voices.iterrows()]
    else:
        items = [voices] if isinstance(voices, str | int) else list(voices)
    ids = [voice_id(v) for v in items]
    if len(ids) < 2:
        raise ValidationError(f"an A/B comparison needs two or more voices, got {len(ids)}",
                              where="TtsAB(voices=...)")
    names = [_given_name(v) for v in items]
    if None in names and client is not None:
        known = _catalog_names(client)
        names = [name or known.get(i) for name, i in zip(names, ids, strict=True)]
    labels = [name or i for name, i in zip(names, ids, strict=True)]
    return ids, [label if labels.count(label) == 1 else f"{label} ({i})"
                 for label, i in zip(labels, ids, strict=True)]


def _player() -> widgets.Audio:
    return widgets.Audio(format="wav", autoplay=False, loop=False, controls=True,
                         layout=widgets.Layout(width="260px"))


class TtsAB(widgets.VBox):
    """Synthesize ``text`` with each voice, compare the clips, and run a blind A/B test.

    ``voices``: IDs, catalog rows or a voice DataFrame (``VoiceBrowser.selected``), two or more.
    ``blind_pair``: the two voices (indices) the blind test compares; ``trials``, ``seed``: its
    trial count and random order. ``target_lufs``: the level of loudness-matched playback.

    From Python: ``.clips`` and ``.matched`` (``Audio``), ``.metrics`` (DataFrame), ``.figure``,
    ``.monitor`` (the synthesis tasks), ``.blind`` (the ``BlindTest``), ``.blind_panel`` (the
    Blind test tab: all the listener's browser gets of it).
    """

    def __init__(self, client: Any, voices: Any, text: str = DEFAULT_TEXT, *,
                 blind_pair: tuple[int, int] = (0, 1), trials: int = 10,
                 seed: int | None = None, target_lufs: float = -23.0,
                 out_dir: str | Path | None = None, timeout: float = 600) -> None:
        self.client = client
        self.voice_ids, self.labels = _voice_labels(client, voices)
        pair = list(blind_pair)
        if len(pair) != 2 or pair[0] == pair[1] or not all(
                isinstance(i, int) and 0 <= i < len(self.labels) for i in pair):
            raise ValidationError(f"blind_pair must be two different indices into the "
                                  f"{len(self.labels)} voices, got {blind_pair!r}",
                                  where="TtsAB(blind_pair=...)")
        self.blind_pair = (self.labels[pair[0]], self.labels[pair[1]])
        self.trials, self.seed, self.target_lufs = trials, seed, target_lufs
        self.out_dir, self.timeout = out_dir, timeout
        self.clips: list[Any] = []
        self.matched: list[Any] = []
        self.metrics: Any = None
        self.figure: Any = None
        self.blind: BlindTest | None = None
        self.monitor: TaskMonitor | None = None
        self._wav: dict[tuple[str, bool], bytes] = {}
        self._blind_wav: dict[str, bytes] = {}
        self._worker = concurrent.futures.ThreadPoolExecutor(1, "qavix-tts-ab")
        super().__init__(self._build(text))
        self.add_class("qavix-tts-ab")

    # -- building ----------------------------------------------------------------------------
    def _build(self, text: str) -> list[widgets.Widget]:
        self._text = widgets.Textarea(value=text, layout=widgets.Layout(width="100%",
                                                                        height="60px"))
        self._go = widgets.Button(description="Synthesize", icon="play", button_style="primary")
        self._go.add_class("qa-synthesize")
        self._go.on_click(lambda _: self.synthesize())
        self._match = widgets.Checkbox(value=False, indent=False,
                                       description=f"match loudness ({self.target_lufs:g} LUFS)")
        self._match.observe(lambda _: self._refresh_playback(), "value")
        self._status = widgets.HTML()
        self._status.add_class("qa-status")
        self._progress = widgets.VBox()
        self._players = widgets.HBox(layout=widgets.Layout(flex_flow="row wrap"))
        self._table = widgets.HTML()
        self._plot = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        compare = widgets.VBox([self._players, self._table, self._plot])
        self.blind_panel = self._build_blind()
        self._tabs = widgets.Tab([compare, self.blind_panel], titles=["Compare", "Blind test"])
        voices = ", ".join(html.escape(label) for label in self.labels)
        return [widgets.HTML(f"<b>Voices:</b> {voices}"), self._text,
                widgets.HBox([self._go, self._match]), self._status, self._progress, self._tabs]

    def _build_blind(self) -> widgets.VBox:
        """Nothing in here names a voice until the reveal: only "A" and "B" reach the browser."""
        self._blind_intro = widgets.HTML(
            "<div style='line-height:1.4'>Each trial plays the same text in two voices as A and "
            "B, in a new random order. Listen to both, then vote for the one you prefer. Who was "
            "who shows after the last trial.</div>")
        self._start = widgets.Button(description="Start blind test", icon="random",
                                     disabled=True)
        self._start.add_class("qa-start")
        self._start.on_click(lambda _: self.start_blind())
        self._trial = widgets.HTML()
        self._trial.add_class("qa-trial")
        self._slot_players = {slot: _player() for slot in SLOTS}
        self._votes = {slot: widgets.Button(description=f"{slot} is better", disabled=True)
                       for slot in SLOTS}
        for slot, button in self._votes.items():
            button.add_class(f"qa-vote-{slot}")
            button.on_click(lambda _, slot=slot: self.vote(slot))
        self._sides = widgets.HBox([
            widgets.VBox([widgets.HTML(f"<b>{slot}</b>"), self._slot_players[slot],
                          self._votes[slot]]) for slot in SLOTS])
        self._reveal = widgets.HTML()
        self._reveal.add_class("qa-reveal")
        panel = widgets.VBox([self._blind_intro, self._start, self._trial, self._sides,
                              self._reveal])
        panel.add_class("qa-blind")
        return panel

    # -- synthesis ---------------------------------------------------------------------------
    @property
    def text(self) -> str:
        return self._text.value

    def synthesize(self) -> concurrent.futures.Future:
        """Synthesize the text with every voice in the background; returns the future.

        Progress shows in a :class:`TaskMonitor`; when done, the players, table and plot.
        """
        if self.client is None:
            raise ValidationError("this TtsAB has no client; show clips with use_clips()",
                                  where="TtsAB.synthesize")
        text = self._text.value
        if not text.strip():
            raise ValidationError("type a text to synthesize first", where="TtsAB text")
        self._go.disabled = True
        self._status.value = "Synthesizing…"
        return self._worker.submit(self._synthesize, text)

    def _synthesize(self, text: str) -> None:
        try:
            monitor = TaskMonitor(interval=0.5)
            self.monitor, self._progress.children = monitor, [monitor]
            tasks = []
            for vid, label in zip(self.voice_ids, self.labels, strict=True):
                tasks.append(self.client.tts.create(text, vid))
                monitor.add(tasks[-1], label)
            monitor.wait(self.timeout)
            self._use_tasks(monitor, tasks, text)
        except Exception as exc:
            self._status.value = f"<b>Synthesis stopped:</b> {html.escape(str(exc))}"
            raise
        finally:
            self._go.disabled = False

    def _use_tasks(self, monitor: TaskMonitor, tasks: list[Any], text: str) -> None:
        from ..audio import load

        rows = monitor.board.rows
        done = [(task, label) for task, label, row in zip(tasks, self.labels, rows, strict=True)
                if row.status == "completed"]
        if len(done) < 2:
            failed = ", ".join(f"{r.label}: {r.status}" for r in rows if r.status != "completed")
            self._status.value = (f"Only {len(done)} of {len(tasks)} voices produced speech "
                                  f"({html.escape(failed)}); nothing to compare.")
            return
        folder = Path(self.out_dir) if self.out_dir is not None else None
        paths = [task.download(None if folder is None else folder / f"tts_{task.id}.mp3")
                 for task, _ in done]
        self.use_clips([load(p, name=label) for p, (_, label) in zip(paths, done, strict=True)],
                       text=text)

    # -- showing clips -----------------------------------------------------------------------
    def use_clips(self, clips: Sequence[Any], text: str | None = None) -> None:
        """Show these clips (``Audio``, paths or bytes, named by the voices' labels).

        Computes :attr:`metrics`, :attr:`figure` and the loudness-matched copies, shows the
        players, and opens the blind test when the blind pair is among them.
        """
        from ..audio import compare, match_loudness, plot
        from ..audio.compare import load_all

        self.clips = load_all(clips)
        self.metrics = compare(*self.clips, texts=text)
        self.matched = match_loudness(*self.clips, target_lufs=self.target_lufs)
        self.figure = plot(*self.clips, width=9.0)
        self._wav = {}
        self._blind_wav = {}
        names = [c.name for c in self.clips]
        for old in self._players.children:
            old.close()
        self._players.children = [
            widgets.VBox([widgets.HTML(f"<b>{html.escape(name)}</b>"), _player()])
            for name in names]
        self._table.value = TABLE_STYLE + self.metrics[TABLE_METRICS].T.to_html(
            float_format=lambda v: f"{v:.2f}", na_rep="–", border=0, classes="qa-metrics")
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=72)
        self._plot.value = buffer.getvalue()
        self._refresh_playback()
        self._start.disabled = not set(self.blind_pair) <= set(names)
        self._status.value = f"{len(self.clips)} clips ready."
        self._status.value += "" if not self._start.disabled else (
            " The blind test needs both voices of its pair.")

    @property
    def match_loudness(self) -> bool:
        """Whether playback (players and blind test) uses the loudness-matched clips."""
        return self._match.value

    @match_loudness.setter
    def match_loudness(self, value: bool) -> None:
        self._match.value = bool(value)

    def playback(self, label: str) -> bytes:
        """The WAV bytes played for a clip: matched or not, re-encoded, no tags."""
        key = (label, self.match_loudness)
        if key not in self._wav:
            source = self.matched if self.match_loudness else self.clips
            clip = next((c for c in source if c.name == label), None)
            if clip is None:
                raise ValidationError(f"no clip named {label!r}", where="TtsAB.playback")
            self._wav[key] = clip.to_wav_bytes()
        return self._wav[key]

    def _refresh_playback(self) -> None:
        """Feed every player the clips as they should sound now (matched or not)."""
        for box, clip in zip(self._players.children, self.clips, strict=True):
            box.children[1].value = self.playback(clip.name)

    def blind_playback(self, label: str) -> bytes:
        """The WAV bytes the blind test plays for a voice of the blind pair: trimmed,
        loudness-matched and padded to the length of the other (always, whatever
        :attr:`match_loudness` says: the blind test must not leak by level or length)."""
        from ..audio.listening.stimuli import prepare

        if label not in self.blind_pair:
            raise ValidationError(f"{label!r} is not in the blind pair {self.blind_pair}",
                                  where="TtsAB.blind_playback")
        if not self._blind_wav:
            clips = {c.name: c for c in self.clips if c.name in self.blind_pair}
            prepared = prepare({"blind": clips}, target_lufs=self.target_lufs)
            self._blind_wav = {name: p.audio.to_wav_bytes()
                               for (_, name), p in prepared.items()}
        return self._blind_wav[label]

    def listening_test(self, kind: str = "ab", **options: Any) -> Any:
        """A :class:`~qavix_lab.audio.listening.ListeningTest` of every voice on this text:
        several raters (``ListeningWidget``), a shareable page (``export_html``), statistics.

        >>> test = ab.listening_test("cmos", seed=1); ListeningWidget(test)
        """
        from ..audio.listening import ListeningTest

        if len(self.clips) < 2:
            raise ValidationError("synthesize the clips first", where="TtsAB.listening_test")
        return ListeningTest({c.name: [c] for c in self.clips}, [self.text], kind, **options)

    # -- blind test --------------------------------------------------------------------------
    def start_blind(self, trials: int | None = None, seed: int | None = None) -> BlindTest:
        """Start a new blind test of the blind pair (after the clips are there)."""
        if self._start.disabled:
            raise ValidationError("synthesize the clips of both voices of the blind pair first",
                                  where="TtsAB.start_blind")
        self.blind = blind = BlindTest(self.blind_pair, trials or self.trials,
                                       self.seed if seed is None else seed)
        self._reveal.value = ""
        self._sides.layout.display = None
        self._show_trial(blind)
        return blind

    def _load_trial(self, blind: BlindTest) -> None:
        order = blind.current()
        for slot in SLOTS:
            self._slot_players[slot].value = self.blind_playback(order[slot])

    def _show_trial(self, blind: BlindTest) -> None:
        self._load_trial(blind)
        for button in self._votes.values():
            button.disabled = False
        self._trial.value = f"<b>Trial {blind.number} of {blind.trials}</b>"
        blind.present()

    def vote(self, choice: str) -> None:
        """Vote "A" or "B" for the current trial, as the buttons do; reveals after the last."""
        if self.blind is None:
            raise ValidationError("start the blind test first", where="TtsAB.vote")
        self.blind.vote(choice)
        if self.blind.done:
            self.reveal()
        else:
            self._show_trial(self.blind)

    def reveal(self) -> Any:
        """End the blind test: show who was who, the votes and the verdict; returns the summary."""
        if self.blind is None:
            raise ValidationError("start the blind test first", where="TtsAB.reveal")
        summary = self.blind.reveal()
        for slot in SLOTS:
            self._votes[slot].disabled = True
            self._slot_players[slot].value = b""
        self._sides.layout.display = "none"
        self._trial.value = f"<b>Done: {len(self.blind.results())} votes</b>"
        table = TABLE_STYLE + self.blind.results().to_html(
            index=False, border=0, float_format=lambda v: f"{v:.1f}", classes="qa-metrics")
        self._reveal.value = (f"<p><b>{html.escape(summary.verdict)}</b></p>"
                              f"<p>Who was A and B in each trial, and the votes:</p>{table}")
        return summary
