"""`qavix-lab demo`: the whole tour on the embedded sandbox, written up as an HTML report."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest

from qavix_lab.cli import main
from qavix_lab.media import probe


class _Page(HTMLParser):
    """The report's links, media sources and table cells."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.videos: list[dict[str, str | None]] = []
        self.cells: list[str] = []
        self.captions: list[str] = []
        self._into: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "video":
            self.videos.append(attrs)
        for name in ("href", "src", "poster"):
            value = attrs.get(name)
            if value and not value.startswith("data:"):
                self.refs.append(value)
        self._into = {"td": self.cells, "figcaption": self.captions}.get(tag)
        if self._into is not None:
            self._into.append("")

    def handle_data(self, data):
        if self._into is not None:
            self._into[-1] += data

    def handle_endtag(self, tag):
        self._into = None


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("QAVIX_API_KEY", raising=False)
        mp.delenv("QAVIX_BASE_URL", raising=False)
        assert main(["demo", "-o", str(folder)]) == 0
    page = _Page()
    page.feed((folder / "report.html").read_text(encoding="utf-8"))
    return folder, page


def test_demo_writes_a_report_with_every_step(report):
    folder, page = report
    text = (folder / "report.html").read_text(encoding="utf-8")
    for title in ("Voice catalog", "A/B synthesis", "Translation of the sample clip",
                  "Subtitle QA", "Watermark erased"):
        assert title in text
    assert text.count("data:image/png;base64,") >= 3  # A/B plot, timelines, before/after
    for name in ("sample_fr.mp4", "sample_fr.srt", "sample_fr.vtt", "sample_erased.mp4"):
        assert (folder / name).stat().st_size > 0 and name in text
    assert len(list((folder / "tts").glob("*.mp3"))) == 3
    assert "qvx-" not in text  # no key in the report


def test_every_table_has_a_title_and_the_region_says_x_y_w_h(report):
    _, page = report
    for title in ("Voices per language and gender", "Speech metrics per voice",
                  "French sentences (times in seconds)", "Subtitle QA findings",
                  "Region erased, in source pixels"):
        assert title in page.captions
    text = (report[0] / "report.html").read_text(encoding="utf-8")
    region_table = text[text.index("Region erased"):].split("</table>")[0]
    headers = re.findall(r"<th>(\w+)</th>", region_table)
    assert headers[-4:] == ["x", "y", "w", "h"]
    assert "(448, 10, 180, 40)" not in text


def test_numbers_in_tables_are_rounded(report):
    _, page = report
    numbers = [cell for cell in page.cells if re.fullmatch(r"-?\d+\.\d+", cell.strip())]
    assert numbers, "no numbers in the tables"
    assert all(len(cell.strip().split(".")[1]) <= 2 for cell in numbers), numbers


def test_videos_play_inline_from_files_inside_the_report_folder(report):
    folder, page = report
    sources = [v["src"] for v in page.videos]
    assert {"sample_fr.mp4", "sample_fr_subtitled.mp4", "sample_en_fr_stacked.mp4",
            "sample_erased_side_by_side.mp4"} <= set(sources)
    for ref in page.refs:  # self-contained: every link, source and poster is a file inside
        target = (folder / ref).resolve()
        assert target.is_relative_to(folder.resolve()) and target.is_file(), ref
    assert all("controls" in v and v["poster"] for v in page.videos)
    pair = probe(folder / "sample_erased_side_by_side.mp4")
    assert (pair.width, pair.height, pair.video_codec) == (1280, 360, "h264")


def test_quick_demo_as_json(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("QAVIX_API_KEY", raising=False)
    assert main(["demo", "--quick", "--json", "-o", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["report"] == str(tmp_path / "report.html") and "report.html" in result["files"]
    assert "[2/2] A/B synthesis" in captured.err  # progress stays off stdout


def test_spectrograms_of_shorter_clips_end_in_silence_not_white(tmp_path):
    from qavix_lab import audio

    rate = 16000
    short, long = (np.sin(np.arange(int(rate * s)) * 0.3).astype(np.float32) * 0.3
                   for s in (1.0, 2.0))
    fig = audio.plot(audio.Audio(short, rate, name="short"), audio.Audio(long, rate, name="long"),
                     kinds=("spectrogram",))
    fig.savefig(tmp_path / "plot.png", dpi=50)
    short_axes = fig.axes[0]
    assert short_axes.get_xlim()[1] == pytest.approx(2.0)
    assert short_axes.get_facecolor()[:3] != (1.0, 1.0, 1.0)
