"""``qavix-lab demo``: the whole tour on the embedded sandbox, written up as an HTML report."""

from __future__ import annotations

import base64
import html
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "datasets"
SAMPLE = DATA / "media" / "sample.mp4"
LINE = "Welcome to Qavix. Your video, in every language, in your own voice."
# The sample's watermark ("QAVIX DEMO", top right), in source pixels.
WATERMARK_XYWH = (448, 10, 180, 40)
SHOWN_METRICS = ["duration_s", "loudness_lufs", "true_peak_dbtp", "syllables_per_s",
                 "f0_median_hz", "f0_range_st", "centroid_hz"]


@dataclass
class Report:
    """Sections of HTML, written to ``folder/report.html`` at the end."""

    folder: Path
    sections: list[str] = field(default_factory=list)

    def add(self, title: str, *parts: str) -> None:
        self.sections.append(f"<section><h2>{html.escape(title)}</h2>{''.join(parts)}</section>")

    @staticmethod
    def table(frame: Any, **kw: Any) -> str:
        return frame.to_html(classes="table", border=0, **kw)

    @staticmethod
    def figure(fig: Any) -> str:
        import matplotlib.pyplot as plt

        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
        plt.close(fig)
        return _img(buf.getvalue())

    def link(self, path: Path, label: str | None = None) -> str:
        rel = path.relative_to(self.folder)
        return f'<a href="{html.escape(str(rel))}">{html.escape(label or rel.name)}</a>'

    def audio(self, path: Path) -> str:
        rel = html.escape(str(path.relative_to(self.folder)))
        return f'<audio controls preload="none" src="{rel}"></audio>'

    def write(self, elapsed: float) -> Path:
        page = _PAGE.format(body="\n".join(self.sections), elapsed=f"{elapsed:.0f}")
        path = self.folder / "report.html"
        path.write_text(page, encoding="utf-8")
        return path


def _img(png: bytes) -> str:
    return f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def _step(number: int, total: int, title: str, fn: Callable[[], str]) -> None:
    print(f"[{number}/{total}] {title} ...", flush=True)
    start = time.perf_counter()
    summary = fn()
    print(f"      {summary} ({time.perf_counter() - start:.1f} s)", flush=True)


def run_demo(folder: Path, *, quick: bool = False) -> Path:
    """Run the tour against a fresh embedded sandbox; returns the report's path."""
    import matplotlib

    matplotlib.use("Agg")
    from .client import Client
    from .connection import embedded_sandbox

    started = time.perf_counter()
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    sandbox = embedded_sandbox()
    print(f"Qavix sandbox running at {sandbox.url}")
    report = Report(folder)
    with Client.for_sandbox(sandbox, output_dir=folder) as client:
        steps: list[tuple[str, Callable[[], str]]] = [
            ("Voice catalog", lambda: catalog_step(client, report)),
            ("A/B synthesis with metrics", lambda: ab_step(client, report)),
        ]
        if not quick:
            steps += [("Translate the sample clip", lambda: translate_step(client, report)),
                      ("Erase the watermark", lambda: erase_step(client, report))]
        for number, (title, fn) in enumerate(steps, 1):
            _step(number, len(steps), title, fn)
    return report.write(time.perf_counter() - started)


def catalog_step(client: Any, report: Report) -> str:
    from .tables import voice_summary

    voices = client.voices.frame()
    summary = voice_summary(voices)
    report.add("Voice catalog",
               f"<p>{len(voices)} voices in {voices['lang'].nunique()} languages.</p>",
               Report.table(summary))
    print(summary.to_string())
    return f"{len(voices)} voices, {voices['lang'].nunique()} languages"


def ab_step(client: Any, report: Report) -> str:
    from . import audio

    voices = client.voices.frame(lang="en", gender="female", emotion="calm").head(3)
    clips = client.tts.batch(LINE, voices, out_dir=report.folder / "tts", progress_bar=True)
    ok = clips[clips["error"].isna()]
    labels = [voices.set_index("voice_id").loc[v, "name"] for v in ok["voice_id"]]
    table = audio.compare(*ok["audio_path"], labels=labels, texts=[LINE] * len(ok))
    pairs = zip(ok["audio_path"], labels, strict=True)
    players = "".join(f"<figure>{html.escape(label)}<br>{report.audio(Path(p))}</figure>"
                      for p, label in pairs)
    report.add("A/B synthesis: English, female, calm",
               f"<p>“{html.escape(LINE)}”</p><div class='row'>{players}</div>",
               Report.table(table[SHOWN_METRICS].round(2)),
               Report.figure(audio.plot(*ok["audio_path"], labels=labels)))
    print(table[SHOWN_METRICS].round(2).to_string())
    return f"{len(ok)} clips synthesized, {len(clips) - len(ok)} failed"


def translate_step(client: Any, report: Report) -> str:
    from .transcripts import qa

    task = client.video.translate(SAMPLE, "en", "fr", name="demo dub")
    task.wait(timeout=300, progress_bar=True)
    dubbed = task.download(report.folder / "sample_fr.mp4")
    source, translated = task.transcripts()
    findings = qa(translated, source=source)
    srt_path = report.folder / "sample_fr.srt"
    vtt_path = report.folder / "sample_fr.vtt"
    srt_path.write_text(translated.to_srt(), encoding="utf-8")
    vtt_path.write_text(translated.to_vtt(), encoding="utf-8")
    fig = source.plot(other=translated).figure
    report.add("Translation of the sample clip (English → French)",
               f"<p>{report.link(dubbed)} · {report.link(srt_path)} · "
               f"{report.link(vtt_path)}</p>",
               Report.figure(fig),
               Report.table(translated.sentences[["start", "end", "speaker", "source_text",
                                                  "text"]].round(2), index=False)
               if "source_text" in translated.sentences else "",
               "<h3>Subtitle QA</h3>",
               Report.table(findings, index=False) if len(findings) else "<p>No findings.</p>")
    return f"{len(source)} sentences, {len(findings)} QA findings"


def erase_step(client: Any, report: Report) -> str:
    import matplotlib.pyplot as plt

    from .media import frame
    from .regions import Region, RegionType

    region = Region.from_xywh(*WATERMARK_XYWH, type=RegionType.LOGO)
    task = client.video.erase(SAMPLE, regions=[region], name="demo erase")
    task.wait(timeout=300, progress_bar=True)
    erased = task.download(report.folder / "sample_erased.mp4")
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.4))
    for ax, (title, path) in zip(axes, [("before", SAMPLE), ("after", erased)], strict=True):
        ax.imshow(frame(path, 1.0).array)
        ax.set_title(title)
        ax.axis("off")
    report.add("Watermark erased", f"<p>{report.link(erased)}</p>", Report.figure(fig))
    return f"erased {region.xywh} in {erased.name}"


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>qavix_lab demo report</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }}
section {{ margin-bottom: 2.5em; }} img {{ max-width: 100%; }}
.row {{ display: flex; gap: 1.5em; }} figure {{ margin: 0; }}
table.table {{ border-collapse: collapse; font-size: 13px; }}
table.table td, table.table th {{ padding: 3px 8px; border-bottom: 1px solid #ddd; }}
</style></head><body>
<h1>qavix_lab demo</h1>
<p>Everything below ran against the embedded Qavix sandbox in {elapsed} s.</p>
{body}
</body></html>
"""
