"""A quick blind A/B preference test of two voices for one listener: trials, votes, a verdict.

(:class:`~.design.ListeningTest` is the full machinery: many systems and raters, other kinds.)
The orders are drawn here, in Python, counterbalanced (each voice is A in half the trials) and
shuffled: a listener only ever sees "A" and "B". Each vote
records the slot chosen, the identity behind it and the response time. At the end a one-sided
exact binomial test says whether the preferred voice won more often than chance would.

>>> test = BlindTest(["alice", "bob"], trials=10, seed=1)
>>> test.current()                      # {"A": "bob", "B": "alice"}: which clip plays as A and B
>>> test.vote("A")                      # ... ten times
>>> test.summary().verdict
'Listeners preferred bob in 9 of 10 trials (p = 0.011): a clear preference'
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ...errors import ValidationError

__all__ = ["BlindTest", "BlindSummary", "SLOTS", "binomial_verdict"]

SLOTS = ("A", "B")
ALPHA = 0.05  # below this p-value a preference counts as reliable


@dataclass(frozen=True)
class Vote:
    trial: int  # 1-based
    order: tuple[str, str]  # the identities played as A and as B
    choice: str  # "A" or "B"
    response_s: float

    @property
    def chosen(self) -> str:
        return self.order[SLOTS.index(self.choice)]


@dataclass(frozen=True)
class BlindSummary:
    """Votes per identity, the preferred one, the one-sided binomial p-value and a verdict."""

    counts: dict[str, int]
    trials: int
    preferred: str | None
    p_value: float
    verdict: str

    @property
    def significant(self) -> bool:
        return self.p_value < ALPHA

    def _repr_html_(self) -> str:
        import html

        counts = ", ".join(f"{html.escape(k)}: {v}" for k, v in self.counts.items())
        return f"<p><b>{html.escape(self.verdict)}</b><br>votes: {counts}</p>"


def _p_text(p: float) -> str:
    return f"p = {p:.3f}" if p >= 0.001 else "p < 0.001"


def binomial_verdict(counts: dict[str, int]) -> BlindSummary:
    """The one-sided exact binomial test for the most chosen of two identities.

    >>> binomial_verdict({"alice": 9, "bob": 1}).p_value
    0.0107421875
    """
    from scipy.stats import binomtest

    if len(counts) != 2:
        raise ValidationError(f"give the votes of exactly two identities, got {counts!r}",
                              where="binomial_verdict(counts)")
    (first, k_first), (second, k_second) = counts.items()
    n = k_first + k_second
    if n == 0:
        return BlindSummary(dict(counts), 0, None, 1.0, "No votes yet.")
    preferred, k = (first, k_first) if k_first >= k_second else (second, k_second)
    p = float(binomtest(k, n, 0.5, alternative="greater").pvalue)
    if k_first == k_second:
        verdict = (f"Listeners chose {first} and {second} equally ({k} of {n} each, "
                   f"{_p_text(p)}): no reliable preference")
        return BlindSummary(dict(counts), n, None, p, verdict)
    strength = "a clear preference" if p < ALPHA else "no reliable preference"
    verdict = f"Listeners preferred {preferred} in {k} of {n} trials ({_p_text(p)}): {strength}"
    return BlindSummary(dict(counts), n, preferred, p, verdict)


class BlindTest:
    """``trials`` blind A/B trials between two ``labels``; counterbalanced, shuffled orders.

    ``seed`` makes the orders reproducible; ``clock`` (seconds, monotonic) is injectable for
    tests. Response times run from :meth:`present` (called when a trial is shown; otherwise from
    the previous vote, or from construction) to :meth:`vote`.
    """

    def __init__(self, labels: Sequence[str], trials: int = 10, seed: int | None = None, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        labels = list(labels) if not isinstance(labels, str) else [labels]
        if len(labels) != 2 or not all(isinstance(x, str) and x.strip() for x in labels):
            raise ValidationError(f"a blind test compares exactly two named clips, got {labels!r}",
                                  where="BlindTest(labels=...)")
        if labels[0] == labels[1]:
            raise ValidationError(f"the two labels must differ, got {labels[0]!r} twice",
                                  where="BlindTest(labels=...)")
        if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
            raise ValidationError(f"trials must be a whole number >= 1, got {trials!r}",
                                  where="BlindTest(trials=...)")
        self.labels: tuple[str, str] = (labels[0], labels[1])
        self.trials = trials
        self._clock = clock
        rng = random.Random(seed)
        # counterbalanced: each voice plays first in half the trials (position bias cancels)
        flipped: tuple[str, str] = (self.labels[1], self.labels[0])
        self._orders = [self.labels, flipped] * (trials // 2)
        if trials % 2:
            self._orders.append(rng.choice([self.labels, flipped]))
        rng.shuffle(self._orders)
        self._votes: list[Vote] = []
        self._shown_at = clock()
        self.revealed = False

    def __repr__(self) -> str:
        state = "revealed" if self.revealed else "done" if self.done else "running"
        return (f"<BlindTest {self.labels[0]!r} vs {self.labels[1]!r}: "
                f"{len(self._votes)}/{self.trials} votes, {state}>")

    @property
    def done(self) -> bool:
        """True once every trial has a vote."""
        return len(self._votes) == self.trials

    @property
    def number(self) -> int:
        """The 1-based number of the trial waiting for a vote (``trials + 1`` when done)."""
        return len(self._votes) + 1

    def _check_open(self, action: str) -> None:
        if self.revealed:
            raise ValidationError(f"cannot {action}: the identities were revealed, so further "
                                  "votes would not be blind; start a new BlindTest",
                                  where="BlindTest")
        if self.done:
            raise ValidationError(f"cannot {action}: all {self.trials} trials have a vote",
                                  where="BlindTest")

    def current(self) -> dict[str, str]:
        """Which identity plays as "A" and which as "B" in the trial waiting for a vote.

        For the code that feeds the players: never show this to the listener.
        """
        self._check_open("show a trial")
        return dict(zip(SLOTS, self._orders[len(self._votes)], strict=True))

    def present(self, at: float | None = None) -> None:
        """Start the response timer of the current trial (when it is shown to the listener)."""
        self._check_open("present a trial")
        self._shown_at = self._clock() if at is None else at

    def vote(self, choice: str, at: float | None = None) -> Vote:
        """Record the listener's choice, "A" or "B", for the current trial; returns the vote."""
        self._check_open("vote")
        slot = choice.strip().upper() if isinstance(choice, str) else choice
        if slot not in SLOTS:
            raise ValidationError(f"a vote is 'A' or 'B', got {choice!r}",
                                  where="BlindTest.vote(choice)")
        moment = self._clock() if at is None else at
        record = Vote(self.number, self._orders[len(self._votes)], slot,
                      max(0.0, moment - self._shown_at))
        self._votes.append(record)
        self._shown_at = moment
        return record

    def reveal(self) -> BlindSummary:
        """End the test (even early) and return the summary; no votes are taken after it."""
        self.revealed = True
        return self.summary()

    def results(self) -> Any:
        """One row per vote: trial, A, B (identities), choice ("A"/"B"), chosen, response_s."""
        import pandas as pd

        votes = self._votes
        return pd.DataFrame({
            "trial": pd.array([v.trial for v in votes], dtype="Int64"),
            "A": pd.array([v.order[0] for v in votes], dtype="str"),
            "B": pd.array([v.order[1] for v in votes], dtype="str"),
            "choice": pd.Categorical([v.choice for v in votes], categories=list(SLOTS)),
            "chosen": pd.Categorical([v.chosen for v in votes], categories=list(self.labels)),
            "response_s": pd.array([v.response_s for v in votes], dtype="float64"),
        })

    def summary(self) -> BlindSummary:
        """Votes per identity and the one-sided binomial test for the preferred one."""
        counts = {label: sum(v.chosen == label for v in self._votes) for label in self.labels}
        return binomial_verdict(counts)
