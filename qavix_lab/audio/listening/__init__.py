"""Listening tests: design, stimuli, a shareable page, statistics and verdicts.

>>> from qavix_lab.audio.listening import ListeningTest
>>> test = ListeningTest({"alice": a_paths, "bob": b_paths}, items=texts, kind="cmos", seed=1)
>>> test.export_html("test.html"); test.add_results(["r1.json", "r2.json"]); test.analyze()
"""

from .analysis import Analysis, screening
from .blinding import BlindSummary, BlindTest, binomial_verdict
from .design import KINDS, ListeningTest, RaterSession, Trial
from .statistics import bradley_terry, raters_needed, sign_test, variance_components

__all__ = ["ListeningTest", "RaterSession", "Trial", "KINDS", "Analysis", "screening",
           "BlindTest", "BlindSummary", "binomial_verdict", "sign_test", "bradley_terry",
           "raters_needed", "variance_components"]
