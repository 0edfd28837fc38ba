"""``ListeningTest``: the trials of an AB, ABX, CMOS or MUSHRA test, its stimuli and its answers.

>>> test = ListeningTest(systems={"alice": paths_a, "bob": paths_b, "carol": paths_c},
...                      items=texts, kind="cmos", seed=1)
>>> session = test.session("rater 1"); session.trial      # what the widget or the page shows
>>> session.answer(2)                                     # B is clearly better than A
>>> test.export_html("cmos.html"); test.add_results(["alice.json", "bob.json"])
>>> test.analyze()                                        # tables, figures and a verdict

Which system is behind which stimulus stays in Python: a page, a widget, a file name and a
results file only ever carry opaque stimulus tokens and trial numbers.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ...errors import ValidationError
from ..load import AudioSource
from . import stimuli as stim

KINDS = ("ab", "abx", "cmos", "mushra")
ANCHOR = "(anchor)"  # the degraded copy behind gold trials; never a system name
AS_X = " (as X)"  # ABX: the copy of a stimulus played as X
AB_ANSWERS = ("A", "B", "=")
CMOS_RANGE = range(-3, 4)
DEFAULT_SHARE = 0.1  # hidden duplicates and gold trials, as a share of the test trials


@dataclass(frozen=True)
class Trial:
    """One screen: the stimuli in slot order (A, B[, X] or the MUSHRA slots) and their systems.

    ``role`` is "test", "duplicate" (repeats ``repeats`` with the slots swapped) or "gold" (one
    slot is the degraded anchor: a known answer).
    """

    id: str
    item: str
    stimuli: tuple[str, ...]
    systems: tuple[str, ...]
    role: str = "test"
    repeats: str | None = None

    @property
    def letters(self) -> tuple[str, ...]:
        if len(self.stimuli) == 3 and self.systems[2] in self.systems[:2]:
            return ("A", "B", "X")
        return tuple("ABCDEFGHIJKLMNOP"[: len(self.stimuli)])


def _count(share: int | float | None, n: int, what: str) -> int:
    if share is None:
        return max(1, round(DEFAULT_SHARE * n))
    if isinstance(share, bool) or not isinstance(share, int | float) or share < 0:
        raise ValidationError(f"{what} is a count or a share >= 0, got {share!r}",
                              where=f"ListeningTest({what}=...)")
    return int(share) if isinstance(share, int) else round(share * n)


def _clip_table(systems: Mapping[str, Sequence[AudioSource]], items: Sequence[str]
                ) -> dict[str, dict[str, AudioSource]]:
    """{item: {system: clip}} from {system: [clip per item]}, checked."""
    if not isinstance(systems, Mapping) or len(systems) < 2:
        raise ValidationError("give two or more systems as {name: [one clip per item]}",
                              where="ListeningTest(systems=...)")
    items = [str(i) for i in items]
    if not items or len(set(items)) != len(items):
        raise ValidationError("items must be one or more distinct labels (e.g. the texts)",
                              where="ListeningTest(items=...)")
    for name, clips in systems.items():
        if not isinstance(name, str) or not name.strip() or name == ANCHOR:
            raise ValidationError(f"a system needs a name, got {name!r}",
                                  where="ListeningTest(systems=...)")
        if isinstance(clips, str | bytes) or len(clips) != len(items):
            count = "one" if isinstance(clips, str | bytes) else len(clips)
            raise ValidationError(f"system {name!r} has {count} clips for {len(items)} items",
                                  where="ListeningTest(systems=...)")
    return {item: {name: clips[i] for name, clips in systems.items()}
            for i, item in enumerate(items)}


class ListeningTest:
    """A blind listening test of ``systems`` (``{name: [one clip per item]}``) on ``items``.

    ``kind``: "ab" (preference, with "no preference"), "abx" (is a difference audible),
    "cmos" (B against A, -3..+3) or "mushra" (0..100 for every system of an item at once).
    ``duplicates``/``gold``: hidden repeats and anchor trials (a count, or a share of the
    trials; default 10 %, at least one). In MUSHRA any ``gold`` puts the hidden anchor into
    every trial instead. ``codec``: "opus" or "mp3". ``folder``: where the
    prepared stimuli go (a temporary folder by default).
    """

    def __init__(self, systems: Mapping[str, Sequence[AudioSource]], items: Sequence[str],
                 kind: str = "ab", *, seed: int | None = None,
                 duplicates: int | float | None = None, gold: int | float | None = None,
                 target_lufs: float = stim.TARGET_LUFS, codec: str = "opus",
                 folder: str | Path | None = None) -> None:
        if kind not in KINDS:
            raise ValidationError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}",
                                  where="ListeningTest(kind=...)")
        if codec not in stim.CODECS:
            raise ValidationError(f"codec must be one of {sorted(stim.CODECS)}, got {codec!r}",
                                  where="ListeningTest(codec=...)")
        table = _clip_table(systems, items)
        self.kind, self.codec = kind, codec
        self.systems = list(systems)
        self.items = list(table)
        self.seed = random.Random(seed).getrandbits(64) if seed is None else seed
        self._rng = random.Random(self.seed)
        self._trials = self._design((duplicates, gold))
        needs_anchor = {t.item for t in self._trials if ANCHOR in t.systems}
        groups = {item: dict(table[item]) for item in self.items}
        prepared = stim.prepare(groups, target_lufs=target_lufs)
        for item in needs_anchor:  # degraded from the first system's prepared clip
            source = prepared[item, self.systems[0]].audio
            anchor = stim.degrade(source, seed=self.items.index(item))
            gain = stim.level_lufs(source) - stim.level_lufs(anchor)
            prepared[item, ANCHOR] = stim.Prepared(anchor.gained(gain), gain, 0.0)
        if kind == "abx":  # X gets its own file, or the page's source would say whether X is A
            for t in self._trials:
                played = prepared[t.item, t.systems[2]]
                prepared[t.item, t.systems[2] + AS_X] = stim.Prepared(
                    stim.dithered(played.audio), played.gain_db, played.trimmed_s)
        self._tokens = {key: f"{self._rng.getrandbits(48):012x}" for key in prepared}
        self.id = hashlib.sha256(json.dumps([self.seed, kind, sorted(self._tokens.values())])
                                 .encode()).hexdigest()[:16]
        if folder is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="qavix-listening-")
            folder = self._tmp.name
        self.folder = Path(folder)
        audio = {self._tokens[key]: p.audio for key, p in prepared.items()}
        self.paths = stim.encode(audio, self.folder, codec)
        self.stimuli = pd.DataFrame({
            "stimulus": pd.array(list(self._tokens.values()), dtype="string"),
            "item": pd.array([k[0] for k in prepared], dtype="string"),
            "system": pd.array([k[1] for k in prepared], dtype="string"),
            "gain_db": [p.gain_db for p in prepared.values()],
            "trimmed_s": [p.trimmed_s for p in prepared.values()],
            "duration_s": [p.audio.duration for p in prepared.values()],
            "path": pd.array([str(self.paths[t]) for t in self._tokens.values()],
                             dtype="string"),
        })
        self._trials = [self._with_tokens(t) for t in self._trials]
        self._by_id = {t.id: t for t in self._trials}
        self._answers: list[dict[str, Any]] = []

    @classmethod
    def from_batch(cls, clips: pd.DataFrame, kind: str = "ab", *,
                   names: Mapping[str, str] | pd.DataFrame | None = None, **options: Any
                   ) -> ListeningTest:
        """A test of the voices and texts of a ``client.tts.batch`` table (voice_id, text,
        audio_path, error); ``names``: {voice_id: name} or a voice frame, for readable tables.

        >>> ListeningTest.from_batch(client.tts.batch(texts, voices), "cmos", names=voices)
        """
        missing = {"voice_id", "text", "audio_path"} - set(clips.columns)
        if missing:
            raise ValidationError(f"the table lacks {sorted(missing)}; give the DataFrame "
                                  "client.tts.batch returns", where="ListeningTest.from_batch")
        failed = clips[clips["audio_path"].isna()]
        if len(failed):
            first = failed.iloc[0]
            raise ValidationError(f"{len(failed)} clips failed (e.g. voice {first['voice_id']}, "
                                  f"{first.get('error', 'no audio')}); synthesize them again or "
                                  "drop those voices or texts", where="ListeningTest.from_batch")
        if isinstance(names, pd.DataFrame):
            names = dict(zip(names["voice_id"].astype(str), names["name"], strict=True))
        label = {v: (names or {}).get(str(v), str(v)) for v in clips["voice_id"].unique()}
        texts = list(dict.fromkeys(clips["text"]))
        paths = clips.set_index(["voice_id", "text"])["audio_path"]
        systems = {label[v]: [paths[v, t] for t in texts] for v in label}
        return cls(systems, texts, kind, **options)

    # -- design ------------------------------------------------------------------------------
    def _design(self, counts: tuple[int | float | None, int | float | None]) -> list[Trial]:
        """Balanced, counterbalanced test trials, then hidden duplicates and gold trials."""
        rng = self._rng
        base: list[tuple[str, tuple[str, ...]]] = []
        duplicates, gold = (_count(n, len(self.items) if self.kind == "mushra" else
                                   len(self.items) * len(self.systems) * (len(self.systems) - 1)
                                   // 2, what)
                            for n, what in zip(counts, ("duplicates", "gold"), strict=True))
        if self.kind == "mushra":
            # a Latin-square rotation of the slots; with gold, the hidden anchor is in every
            # trial (as ITU-R BS.1534 has it), so a trial's slot count tells nothing
            slots_of_item = [*self.systems, ANCHOR] if gold else self.systems
            for j, item in enumerate(self.items):
                shift = j % len(slots_of_item)
                base.append((item, tuple(slots_of_item[shift:] + slots_of_item[:shift])))
            gold = 0
        else:
            pairs = list(itertools.combinations(self.systems, 2))
            flip = rng.randrange(2)
            for (k, (a, b)), (j, item) in itertools.product(enumerate(pairs),
                                                            enumerate(self.items)):
                first, second = (a, b) if (j + k + flip) % 2 == 0 else (b, a)
                slots: tuple[str, ...] = (first, second)
                if self.kind == "abx":  # X is A in half the trials and B in the other half
                    slots = (first, second, (first, second)[(j + k // 2 + flip) % 2])
                base.append((item, slots))
        trials = [Trial(f"k{i}", item, (), slots) for i, (item, slots) in enumerate(base)]
        for original in rng.sample(trials, min(duplicates, len(trials))):
            slots = original.systems
            swapped = (slots[1], slots[0], *slots[2:]) if self.kind != "mushra" else tuple(
                rng.sample(slots, len(slots)))
            trials.append(Trial(f"k{len(trials)}", original.item, (), swapped, "duplicate",
                                original.id))
        for j in range(gold):
            item = self.items[j % len(self.items)]
            system = self.systems[j % len(self.systems)]
            pair = (system, ANCHOR) if j % 2 == 0 else (ANCHOR, system)
            slots = pair if self.kind != "abx" else (*pair, pair[j // 2 % 2])
            trials.append(Trial(f"k{len(trials)}", item, (), slots, "gold"))
        # numbered in a shuffled order, so that an ID does not tell a duplicate or a gold trial
        rng.shuffle(trials)
        names = {t.id: f"t{i + 1:03d}" for i, t in enumerate(trials)}
        return [Trial(names[t.id], t.item, (), t.systems, t.role,
                      None if t.repeats is None else names[t.repeats]) for t in trials]

    def _with_tokens(self, trial: Trial) -> Trial:
        keys = [*trial.systems[:2], trial.systems[2] + AS_X] if self.kind == "abx" \
            else trial.systems
        tokens = tuple(self._tokens[trial.item, s] for s in keys)
        return Trial(trial.id, trial.item, tokens, trial.systems, trial.role, trial.repeats)

    @property
    def trials(self) -> pd.DataFrame:
        """One row per trial: id, item, role, the systems in slot order and their stimuli."""
        return pd.DataFrame({
            "trial": pd.array([t.id for t in self._trials], dtype="string"),
            "item": pd.array([t.item for t in self._trials], dtype="string"),
            "role": pd.Categorical([t.role for t in self._trials],
                                   categories=["test", "duplicate", "gold"]),
            "repeats": pd.array([t.repeats for t in self._trials], dtype="string"),
            "systems": [t.systems for t in self._trials],
            "stimuli": [t.stimuli for t in self._trials],
        })

    def trial(self, trial_id: str) -> Trial:
        if trial_id not in self._by_id:
            raise ValidationError(f"no trial {trial_id!r} in this test", where="trial")
        return self._by_id[trial_id]

    def order(self, rater: str) -> list[Trial]:
        """The trials in the order ``rater`` meets them (shuffled per rater, reproducibly)."""
        key = int(hashlib.sha256(f"{self.seed}:{rater}".encode()).hexdigest()[:12], 16)
        trials = list(self._trials)
        random.Random(key).shuffle(trials)
        return trials

    def __repr__(self) -> str:
        raters = len({a["rater"] for a in self._answers})
        return (f"<ListeningTest {self.kind}: {len(self.systems)} systems x {len(self.items)} "
                f"items, {len(self._trials)} trials, {raters} raters>")

    def _repr_html_(self) -> str:
        import html

        return f"<p>{html.escape(repr(self))}</p>"

    # -- answers -----------------------------------------------------------------------------
    def check_answer(self, trial: Trial, answer: Any) -> Any:
        """The answer in its stored form, or ValidationError saying what a valid one is."""
        where = f"answer to trial {trial.id}"
        if self.kind in ("ab", "abx"):
            allowed = AB_ANSWERS if self.kind == "ab" else AB_ANSWERS[:2]
            value = answer.strip().upper() if isinstance(answer, str) else answer
            if value not in allowed:
                raise ValidationError(f"a {self.kind} answer is one of {allowed}, got {answer!r}",
                                      where=where)
            return value
        if self.kind == "cmos":
            if isinstance(answer, bool) or not isinstance(answer, int) or \
                    answer not in CMOS_RANGE:
                raise ValidationError(f"a CMOS answer is a whole number from -3 to 3, got "
                                      f"{answer!r}", where=where)
            return answer
        scores = list(answer) if isinstance(answer, Sequence) and \
            not isinstance(answer, str) else None
        if scores is None or len(scores) != len(trial.stimuli) or not all(
                isinstance(s, int | float) and not isinstance(s, bool) and 0 <= s <= 100
                for s in scores):
            raise ValidationError(f"a MUSHRA answer is {len(trial.stimuli)} scores from 0 to "
                                  f"100, one per slot, got {answer!r}", where=where)
        return [float(s) for s in scores]

    def record(self, rater: str, trial_id: str, answer: Any,
               response_s: float | None = None) -> None:
        """Store ``rater``'s answer to a trial (a later answer to the same trial replaces it)."""
        if not isinstance(rater, str) or not rater.strip():
            raise ValidationError("a rater needs a name (any label, e.g. 'r1')", where="rater")
        trial = self.trial(trial_id)
        value = self.check_answer(trial, answer)
        self._answers = [a for a in self._answers
                         if (a["rater"], a["trial"]) != (rater.strip(), trial_id)]
        self._answers.append({"rater": rater.strip(), "trial": trial_id, "answer": value,
                              "response_s": response_s})

    def session(self, rater: str, clock: Callable[[], float] = time.monotonic) -> RaterSession:
        """A rater's pass through the trials, in their own order (see :class:`RaterSession`)."""
        if not isinstance(rater, str) or not rater.strip():
            raise ValidationError("a rater needs a name (any label, e.g. 'r1')", where="rater")
        return RaterSession(self, rater.strip(), clock)

    @property
    def raters(self) -> list[str]:
        return list(dict.fromkeys(a["rater"] for a in self._answers))

    @property
    def answers(self) -> pd.DataFrame:
        """One row per answer: rater, trial, item, role, systems (slot order), answer, time."""
        rows = []
        for a in self._answers:
            t = self._by_id[a["trial"]]
            rows.append({"rater": a["rater"], "trial": t.id, "item": t.item, "role": t.role,
                         "repeats": t.repeats, "systems": t.systems, "answer": a["answer"],
                         "response_s": a["response_s"]})
        frame = pd.DataFrame(rows, columns=["rater", "trial", "item", "role", "repeats",
                                            "systems", "answer", "response_s"])
        for column in ("rater", "trial", "item", "role", "repeats"):
            frame[column] = frame[column].astype("string")
        frame["response_s"] = frame["response_s"].astype("float64")
        return frame

    # -- sharing -----------------------------------------------------------------------------
    def export_html(self, path: str | Path, *, title: str = "Listening test",
                    instructions: str | None = None) -> Path:
        """One self-contained HTML file with the stimuli inside; raters open it offline."""
        from .page import render_page

        path = Path(path)
        path.write_text(render_page(self, title=title, instructions=instructions),
                        encoding="utf-8")
        return path

    def add_results(self, files: str | os.PathLike[str] | Iterable[Any]) -> list[str]:
        """Merge results files (paths, their text, or parsed dicts); returns the raters added."""
        from .page import read_results

        sources = [files] if isinstance(files, str | os.PathLike | dict) else list(files)
        added = []
        for source in sources:
            rater, answers = read_results(self, source)
            for trial_id, answer, seconds in answers:
                self.record(rater, trial_id, answer, seconds)
            added.append(rater)
        return added

    # -- analysis ----------------------------------------------------------------------------
    def quality(self, *, asr: bool | None = None, lang: str = "en") -> pd.DataFrame:
        """:func:`qavix_lab.audio.quality` of every system's stimulus (as raters hear it), with
        the items as texts for the ASR round trip; for ``analyze(quality=...)``."""
        from ..proxies import quality

        rows = self.stimuli[self.stimuli["system"] != ANCHOR].reset_index(drop=True)
        table = quality(list(rows["path"]), texts=list(rows["item"]), lang=lang, asr=asr)
        return pd.concat([rows[["system", "item"]], table.reset_index(drop=True)], axis=1)

    def analyze(self, *, quality: pd.DataFrame | None = None, exclude_flagged: bool = True,
                confidence: float = 0.95, boot: int = 400) -> Any:
        """Tables, figures and a plain verdict (see :class:`~.analysis.Analysis`)."""
        from .analysis import analyze

        return analyze(self, quality=quality, exclude_flagged=exclude_flagged,
                       confidence=confidence, boot=boot)

    def raters_needed(self, effect: float, **kwargs: Any) -> int:
        """Raters for ``effect`` (CMOS points, MUSHRA points) with this test's item count,
        the spread estimated from the answers so far (see :func:`.statistics.raters_needed`)."""
        from .analysis import scores_frame
        from .statistics import raters_needed, variance_components

        within = ["system"] if self.kind == "mushra" else ["a", "b"]
        sd = variance_components(scores_frame(self), within) if self._answers else {}
        return raters_needed(effect, items=len(self.items), **{**sd, **kwargs})


@dataclass
class RaterSession:
    """One rater's pass: ``trial`` (or None when done), ``number``/``total``, ``answer(value)``."""

    test: ListeningTest
    rater: str
    clock: Callable[[], float] = time.monotonic
    _order: list[Trial] = field(default_factory=list)
    _position: int = 0
    _shown_at: float = 0.0

    def __post_init__(self) -> None:
        self._order = self.test.order(self.rater)
        self._shown_at = self.clock()

    @property
    def total(self) -> int:
        return len(self._order)

    @property
    def number(self) -> int:
        """1-based number of the trial waiting for an answer (``total + 1`` when done)."""
        return self._position + 1

    @property
    def done(self) -> bool:
        return self._position >= len(self._order)

    @property
    def trial(self) -> Trial | None:
        return None if self.done else self._order[self._position]

    def present(self) -> None:
        """Start the response timer (when the trial is shown)."""
        self._shown_at = self.clock()

    def answer(self, value: Any, seconds: float | None = None) -> None:
        """Answer the current trial (``seconds``: the response time measured by the page)."""
        if self.done:
            raise ValidationError(f"{self.rater} answered all {self.total} trials",
                                  where="RaterSession.answer")
        trial = self._order[self._position]
        took = max(0.0, self.clock() - self._shown_at) if seconds is None else seconds
        self.test.record(self.rater, trial.id, value, took)
        self._position += 1
        self._shown_at = self.clock()
