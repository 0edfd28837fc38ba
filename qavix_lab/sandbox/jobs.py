"""Video tasks: real ffmpeg processing in worker threads, off the request path."""

from __future__ import annotations

import json
import logging
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import QavixError
from .world import OUTPUT_BUCKET, ServiceError, Task

if TYPE_CHECKING:
    from .server import SandboxApp

log = logging.getLogger("qavix_lab.sandbox")

ERASE_MODES = {-2, 1, 2, 3}
ERASE_TYPES = {1, 2, 3}


def validate_area(points: Any, where: str) -> list[list[int]]:
    """A 4-point clockwise rectangle from the top-left, integers."""
    ok = (isinstance(points, list) and len(points) == 4
          and all(isinstance(p, list) and len(p) == 2 and all(
              isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in p)
              for p in points))
    if ok:
        (x0, y0), (x1, y0b), (x1b, y1), (x0b, y1b) = points
        ok = x0 == x0b and x1 == x1b and y0 == y0b and y1 == y1b and x0 < x1 and y0 < y1
    if not ok:
        raise ServiceError(4005, f"{where} must be 4 integer points clockwise from the top-left "
                                 f"[[x0,y0],[x1,y0],[x1,y1],[x0,y1]], got {points!r}")
    return points


def erase_areas(body: dict[str, Any]) -> tuple[int, int | None, list[dict[str, Any]]]:
    """Validated (eraseMode, eraseType, areas) of an erase request."""
    mode = body.get("eraseMode", body.get("modelType", 1))
    erase_type = body.get("eraseType")
    if mode not in ERASE_MODES:
        raise ServiceError(4005, f"eraseMode must be one of {sorted(ERASE_MODES)}, got {mode!r}")
    if erase_type is not None and erase_type not in ERASE_TYPES:
        raise ServiceError(4005, f"eraseType must be 1, 2 or 3, got {erase_type!r}")
    areas: list[dict[str, Any]] = []
    if body.get("area") is not None:
        kind = 1 if erase_type == 2 else 2
        areas.append({"area": validate_area(body["area"], "area"), "type": kind})
    for i, item in enumerate(body.get("areas") or []):
        if not isinstance(item, dict) or item.get("type") not in (1, 2):
            raise ServiceError(4005, f"areas[{i}] must be {{'area': [...], 'type': 1|2}}")
        areas.append({"area": validate_area(item.get("area"), f"areas[{i}].area"),
                      "type": item["type"]})
    if mode == 2 and not areas:
        raise ServiceError(4005, "eraseMode 2 (manual) needs area or areas")
    return mode, erase_type, areas


def _keep_transcripts(task: Task, original: list[dict], dest: list[dict]) -> None:
    """``originalRtasrInfo``/``destRtasrInfo``: JSON strings, as the service sends them."""
    task.info["originalRtasrInfo"] = json.dumps(original, ensure_ascii=False)
    task.info["destRtasrInfo"] = json.dumps(dest, ensure_ascii=False)


class VideoJobs:
    def __init__(self, app: SandboxApp, workers: int) -> None:
        self.app = app
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="qavix-video")

    def shutdown(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)

    def submit(self, task: Task) -> None:
        self.pool.submit(self._run, task)

    def _run(self, task: Task) -> None:
        app = self.app
        started = time.monotonic()
        try:
            with tempfile.TemporaryDirectory(prefix="qavix-job-") as tmp:
                outputs = self._process(task, Path(tmp))
                remaining = app.config.video_min_seconds - (time.monotonic() - started)
                if remaining > 0:
                    time.sleep(remaining)
                for role, path in outputs.items():
                    record = app.world.new_file(task.owner, path.name, OUTPUT_BUCKET,
                                                app.world.output_key(path.name), complete=True)
                    app.store.put_file(OUTPUT_BUCKET, record.key, path)
                    task.outputs[role] = record.id
            if task.final_status == 1:
                task.process = 100
            task.status = task.final_status
        except (QavixError, OSError) as exc:
            log.info("video task %s failed: %s", task.id, exc)
            task.error = str(exc)
            task.status = 2
        except Exception as exc:  # a bug in processing must still end the task, not hang it
            log.exception("video task %s crashed", task.id)
            task.error = f"internal error: {type(exc).__name__}: {exc}"
            task.status = 2
        app.settle(task)

    def _input(self, task: Task, field: str) -> Path:
        url = task.fields[field]
        path = self.app.world.local_file(url, self.app.store)
        if path is None:
            raise QavixError(f"could not download {field}: the sandbox fetches only its own "
                             f"unexpired storage links ({url[:80]})")
        return path

    def _progress(self, task: Task) -> Any:
        def report(fraction: float) -> None:
            task.process = max(task.process, min(99, 5 + int(90 * fraction)))

        return report

    def _process(self, task: Task, tmp: Path) -> dict[str, Path]:
        from . import processing

        app, fields, progress = self.app, task.fields, self._progress(task)
        video = self._input(task, "videoUrl")
        out = tmp / f"{task.kind.split('.')[1]}_{task.id}.mp4"
        outputs = {"dest": out, "cover": tmp / f"cover_{task.id}.jpg"}
        if task.kind == "video.erase":
            mode, erase_type, areas = erase_areas(fields)
            processing.erase(video, out, areas=areas, mode=mode, erase_type=erase_type,
                             progress=progress)
        elif task.kind == "video.translate":
            voice = app.voice_for(task.owner, fields.get("timbre"), fields["destLang"])
            task.info["soundCloneId"] = str(voice["id"])
            srt = outputs["srt"] = tmp / f"translate_{task.id}.srt"
            original, dest = processing.translate(
                video, out, srt, original_lang=fields["originalLang"],
                dest_lang=fields["destLang"], synthesize=app.synthesizer(voice),
                progress=progress)
            _keep_transcripts(task, original, dest)
        elif task.kind == "video.subtitles":
            srt = outputs["srt"] = tmp / f"subtitles_{task.id}.srt"
            original, dest = processing.subtitles(
                video, out, srt, original_lang=fields["originalLang"],
                dest_lang=fields["destLang"], burn=fields.get("burnSubtitle", True) is not False,
                width=fields.get("width"), height=fields.get("height"), progress=progress)
            _keep_transcripts(task, original, dest)
        elif task.kind == "video.lipsync":
            processing.lipsync(video, self._input(task, "audioUrl"), out, progress=progress)
        elif task.kind == "video.faceswap":
            processing.faceswap(video, self._input(task, "imageUrl"), out, progress=progress)
        processing.cover(out, outputs["cover"])
        return outputs
