"""`qavix-lab demo`: the whole tour on the embedded sandbox, written up as an HTML report."""

from __future__ import annotations

from qavix_lab.cli import main


def test_demo_writes_a_report_with_every_step(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("QAVIX_API_KEY", raising=False)
    monkeypatch.delenv("QAVIX_BASE_URL", raising=False)
    assert main(["demo", "-o", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    report = tmp_path / "report.html"
    assert f"report: {report}" in out and "[4/4]" in out
    page = report.read_text(encoding="utf-8")
    for title in ("Voice catalog", "A/B synthesis", "Translation of the sample clip",
                  "Subtitle QA", "Watermark erased"):
        assert title in page
    assert page.count("data:image/png;base64,") >= 3  # A/B plot, timelines, before/after
    for name in ("sample_fr.mp4", "sample_fr.srt", "sample_fr.vtt", "sample_erased.mp4"):
        assert (tmp_path / name).stat().st_size > 0 and name in page
    assert len(list((tmp_path / "tts").glob("*.mp3"))) == 3
    assert "qvx-" not in page  # no key in the report
