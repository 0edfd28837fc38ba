"""``qavix-lab demo``: the whole tour on the embedded sandbox, written up as an HTML report.

The report folder is self-contained: ``report.html`` (plots embedded as PNG), the clips it plays
inline beside it (the sample, the dub, the erased clip, previews made with ``qavix_lab.media``),
the synthesized speech and the subtitles. Zip it or open it anywhere.
"""

from __future__ import annotations

import base64
import html
import io
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LINE = "Welcome to Qavix. Your video, in every language, in your own voice."
# The sample's watermark ("QAVIX DEMO", top right), in source pixels: x, y, width, height.
WATERMARK_XYWH = (448, 10, 180, 40)
METRICS = {"duration_s": "duration (s)", "loudness_lufs": "loudness (LUFS)",
           "true_peak_dbtp": "true peak (dBTP)", "syllables_per_s": "syllables per s",
           "f0_median_hz": "median F0 (Hz)", "f0_range_st": "F0 range (semitones)",
           "centroid_hz": "spectral centroid (Hz)"}
PREVIEW_SECONDS = 4.0  # the side-by-side and subtitle previews cover the first seconds
Say = Callable[[str], None]


@dataclass
class Report:
    """Sections of HTML, written to ``folder/report.html`` at the end."""

    folder: Path
    sections: list[str] = field(default_factory=list)

    def add(self, title: str, *parts: str) -> None:
        self.sections.append(f"<section><h2>{html.escape(title)}</h2>{''.join(parts)}</section>")

    @staticmethod
    def table(title: str, frame: Any, *, note: str = "", **kw: Any) -> str:
        """A table under its title (a caption), numbers rounded to 2 decimals."""
        shown = frame.round(2).to_html(classes="table", border=0, float_format="{:.2f}".format,
                                       **kw)
        tail = f"<p class='note'>{html.escape(note)}</p>" if note else ""
        return f"<figure><figcaption>{html.escape(title)}</figcaption>{shown}{tail}</figure>"

    @staticmethod
    def figure(fig: Any, title: str = "", dpi: int = 110) -> str:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
        _close(fig)
        caption = f"<figcaption>{html.escape(title)}</figcaption>" if title else ""
        return f"<figure>{caption}{_img(buf.getvalue())}</figure>"

    def rel(self, path: Path) -> str:
        return html.escape(path.resolve().relative_to(self.folder).as_posix())

    def link(self, path: Path, label: str | None = None) -> str:
        return f'<a href="{self.rel(path)}">{html.escape(label or path.name)}</a>'

    def audio(self, path: Path) -> str:
        return f'<audio controls preload="none" src="{self.rel(path)}"></audio>'

    def video(self, path: Path, title: str, width: int = 480) -> str:
        """An inline player (the file sits in the report folder, its first second as the
        poster), its title and a link."""
        from .media import frame, probe

        poster = self.folder / "posters" / f"{path.stem}.png"
        poster.parent.mkdir(exist_ok=True)
        poster.write_bytes(frame(path, min(1.0, probe(path).duration / 2)).png)
        return (f"<figure class='video'><figcaption>{html.escape(title)}</figcaption>"
                f"<video controls preload=\"metadata\" width=\"{width}\" "
                f"poster=\"{self.rel(poster)}\" src=\"{self.rel(path)}\"></video>"
                f"<br>{self.link(path)}</figure>")

    def write(self, elapsed: float) -> Path:
        page = _PAGE.format(body="\n".join(self.sections), elapsed=f"{elapsed:.0f}")
        path = self.folder / "report.html"
        path.write_text(page, encoding="utf-8")
        return path


def _img(png: bytes) -> str:
    return f'<img alt="" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def _close(fig: Any) -> None:
    import matplotlib.pyplot as plt

    plt.close(fig)


def run_demo(folder: Path, *, quick: bool = False, say: Say = print) -> Path:
    """Run the tour against a fresh embedded sandbox; returns the report's path. ``say`` gets
    the progress lines (``print`` by default)."""
    import matplotlib

    matplotlib.use("Agg")
    from . import samples
    from .client import Client
    from .connection import embedded_sandbox

    started = time.perf_counter()
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    sandbox = embedded_sandbox()
    say(f"Qavix sandbox running at {sandbox.url}")
    report = Report(folder)
    sample = Path(shutil.copy(samples.video(), folder / "sample.mp4"))  # plays in the report
    with Client.for_sandbox(sandbox, output_dir=folder,
                            ledger=folder / "ledger.sqlite") as client:
        steps: list[tuple[str, Callable[[], str]]] = [
            ("Voice catalog", lambda: catalog_step(client, report, say)),
            ("A/B synthesis with metrics", lambda: ab_step(client, report, say)),
        ]
        if not quick:
            steps += [("Translate the sample clip",
                       lambda: translate_step(client, report, sample)),
                      ("Erase the watermark", lambda: erase_step(client, report, sample))]
        for number, (title, fn) in enumerate(steps, 1):
            say(f"[{number}/{len(steps)}] {title} ...")
            start = time.perf_counter()
            summary = fn()
            say(f"      {summary} ({time.perf_counter() - start:.1f} s)")
    return report.write(time.perf_counter() - started)


def catalog_step(client: Any, report: Report, say: Say) -> str:
    from .tables import voice_summary

    voices = client.voices.frame()
    summary = voice_summary(voices)
    summary.index.name, summary.columns.name = "language", "gender"
    report.add("Voice catalog",
               f"<p>{len(voices)} voices in {voices['lang'].nunique()} languages.</p>",
               Report.table("Voices per language and gender", summary))
    say(summary.to_string())
    return f"{len(voices)} voices, {voices['lang'].nunique()} languages"


def ab_step(client: Any, report: Report, say: Say) -> str:
    from . import audio

    voices = client.voices.frame(lang="en", gender="female", emotion="calm").head(3)
    clips = client.tts.batch(LINE, voices, out_dir=report.folder / "tts", progress_bar=True)
    ok = clips[clips["error"].isna()]
    labels = [voices.set_index("voice_id").loc[v, "name"] for v in ok["voice_id"]]
    table = audio.compare(*ok["audio_path"], labels=labels, texts=[LINE] * len(ok))
    shown = table[list(METRICS)].rename(columns=METRICS)
    shown.index.name = "voice"
    pairs = zip(ok["audio_path"], labels, strict=True)
    players = "".join(f"<figure>{html.escape(label)}<br>{report.audio(Path(p))}</figure>"
                      for p, label in pairs)
    report.add("A/B synthesis: English, female, calm",
               f"<p>“{html.escape(LINE)}”</p><div class='row'>{players}</div>",
               Report.table("Speech metrics per voice", shown),
               Report.figure(audio.plot(*ok["audio_path"], labels=labels),
                             "Waveform, spectrogram and pitch of each voice"))
    say(shown.round(2).to_string())
    return f"{len(ok)} clips synthesized, {len(clips) - len(ok)} failed"


def translate_step(client: Any, report: Report, sample: Path) -> str:
    import matplotlib.pyplot as plt

    from . import media
    from .transcripts import qa

    task = client.video.translate(sample, "en", "fr", name="demo dub")
    task.wait(timeout=300, progress_bar=True)
    dubbed = task.download(report.folder / "sample_fr.mp4")
    source, translated = task.transcripts()
    findings = qa(translated, source=source)
    srt_path = translated.save_srt(report.folder / "sample_fr.srt")
    vtt_path = translated.save_vtt(report.folder / "sample_fr.vtt")
    preview = media.subtitle_preview(dubbed, translated, 0, PREVIEW_SECONDS,
                                     report.folder / "sample_fr_subtitled.mp4")
    both = media.stack_audio(sample, dubbed, report.folder / "sample_en_fr_stacked.mp4")
    # 8 inches saved at 160 dpi: the bar labels stay legible when the page scales the picture
    fig, ax = plt.subplots(figsize=(8, 2.6), layout="constrained")
    source.plot(ax=ax, other=translated)
    sentences = translated.sentences
    columns = [c for c in ("start", "end", "speaker", "source_text", "text") if c in sentences]
    qa_columns = [c for c in ("sentence", "start", "end", "check", "value", "limit", "severity",
                              "message") if c in findings]
    report.add(
        "Translation of the sample clip (English → French)",
        "<div class='row'>",
        report.video(dubbed, "The French dub"),
        report.video(preview, f"French subtitles burned on the first {PREVIEW_SECONDS:g} s "
                              "(media.subtitle_preview)"),
        report.video(both, "Original (left ear) and dub (right ear) together "
                           "(media.stack_audio)"),
        "</div>",
        f"<p>Subtitles: {report.link(srt_path)} · {report.link(vtt_path)}</p>",
        Report.figure(fig, "Sentences in time: English source above, French below", dpi=160),
        Report.table("French sentences (times in seconds)", sentences[columns], index=False),
        Report.table("Subtitle QA findings", findings[qa_columns], index=False)
        if len(findings) else "<p>Subtitle QA: no findings.</p>")
    return f"{len(source)} sentences, {len(findings)} QA findings"


def erase_step(client: Any, report: Report, sample: Path) -> str:
    import matplotlib.pyplot as plt
    import pandas as pd

    from . import media
    from .regions import Region, RegionType

    region = Region.from_xywh(*WATERMARK_XYWH, type=RegionType.LOGO)
    task = client.video.erase(sample, regions=[region], name="demo erase")
    task.wait(timeout=300, progress_bar=True)
    erased = task.download(report.folder / "sample_erased.mp4")
    trials = report.folder / "previews"
    before = media.excerpt(sample, 0, PREVIEW_SECONDS, trials / "before.mp4")
    after = media.excerpt(erased, 0, PREVIEW_SECONDS, trials / "after.mp4")
    pair = media.side_by_side(before, after, report.folder / "sample_erased_side_by_side.mp4")
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.4))
    for ax, (title, path) in zip(axes, [("before", sample), ("after", erased)], strict=True):
        ax.imshow(media.frame(path, 1.0).array)
        ax.set_title(title)
        ax.axis("off")
    x, y, w, h = region.xywh
    regions = pd.DataFrame([{"type": "logo", "x": x, "y": y, "w": w, "h": h}])
    report.add("Watermark erased",
               Report.table("Region erased, in source pixels", regions, index=False,
                            note="x, y: top-left corner; w, h: width and height"),
               report.video(pair, f"Before and after, first {PREVIEW_SECONDS:g} s "
                                  "(media.side_by_side)", width=960),
               f"<p>The whole erased clip: {report.link(erased)}</p>",
               Report.figure(fig, "The frame at 1 s"))
    return f"erased x, y, w, h = {x}, {y}, {w}, {h} in {erased.name}"


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>qavix_lab demo report</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222;
        padding: 0 1em; }}
section {{ margin-bottom: 2.5em; }} img, video {{ max-width: 100%; }}
.row {{ display: flex; flex-wrap: wrap; gap: 1.5em; align-items: flex-start; }}
figure {{ margin: 0 0 1.2em 0; }}
figcaption {{ font-weight: 600; margin-bottom: .4em; }}
.row figure.video {{ flex: 1 1 320px; }} .row video {{ width: 100%; height: auto; }}
.note {{ color: #555; font-size: 13px; margin: .3em 0; }}
table.table {{ border-collapse: collapse; font-size: 13px; }}
table.table td, table.table th {{ padding: 3px 8px; border-bottom: 1px solid #ddd; }}
table.table th {{ text-align: left; }}
table.table td {{ font-variant-numeric: tabular-nums; }}
</style></head><body>
<h1>qavix_lab demo</h1>
<p>Everything below ran against the embedded Qavix sandbox in {elapsed} s.</p>
{body}
</body></html>
"""
