"""TaskMonitor: progress bars for running TTS and video tasks, updated from a background thread.

A thin view over :class:`qavix_lab.client.monitoring.TaskBoard` (``.board``): the board polls
at most twice a second in its own thread and stops once every task has ended; this widget only draws
its rows. The kernel stays free the whole time.

>>> monitor = TaskMonitor([client.tts.create("Hello", v) for v in voices]); monitor
>>> monitor.results          # a DataFrame, also while the tasks run
>>> TaskMonitor(ledger=client.ledger, client=client)   # every job of a ledger, earlier kernels too
"""

from __future__ import annotations

import html
import os
import threading
from typing import Any

import ipywidgets as widgets

from ..client.ledger import Ledger
from ..client.monitoring import TaskBoard, TaskRow

__all__ = ["TaskMonitor"]

GRID = "minmax(190px, 1fr) 140px minmax(220px, 2fr) 60px"
STYLE = """<style>
.qavix-task-monitor .qt-cell .widget-html-content { line-height: 1.3; }
.qavix-task-monitor .qt-name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
</style>"""
BAR_STYLES = {"completed": "success", "editing": "warning", "processing": "info",
              "pending": "info", "verified": "success", "downloaded": "success",
              "planned": "", "sending": "info", "unknown": "warning", "rejected": "warning"}


def _seconds(value: float) -> str:
    return f"{value:.1f} s" if value < 60 else f"{int(value // 60)} min {int(value % 60):02d} s"


def describe(row: TaskRow) -> str:
    """The status line of a row: ``processing · 45% · 3.2 s · about 4.0 s left``."""
    if row.status == "planned":
        text = "planned, not sent yet"
    elif row.status in ("verified", "downloaded"):
        text = f"saved to {row.output_path}" if row.output_path else row.status
    elif row.status == "unknown":
        text = "unknown"
    elif row.status == "rejected":
        text = "refused by the service, nothing charged"
    elif row.status == "sending":
        text = f"being sent ({_seconds(row.elapsed_s)})"
    elif row.status == "completed":
        text = f"completed in {_seconds(row.elapsed_s)}"
    elif row.status == "editing":
        text = f"waits for a person in the editor ({_seconds(row.elapsed_s)})"
    elif row.status == "error":
        text = "polling gave up"
    elif row.ended:
        text = f"{row.status} after {_seconds(row.elapsed_s)}"
    else:
        eta = "" if row.eta_s is None else f" · about {_seconds(row.eta_s)} left"
        text = f"{row.status} · {row.progress}% · {_seconds(row.elapsed_s)}{eta}"
    return text + (f": {row.error}" if row.error else "")


def _summary(rows: list[TaskRow], watching: bool) -> str:
    ended = sum(r.ended for r in rows)
    if not rows:
        return "<b>No tasks to watch</b>"
    if ended == len(rows):
        return "<b>The task ended</b>" if ended == 1 else f"<b>All {ended} tasks ended</b>"
    state = "polling" if watching else "polling stopped"
    return f"<b>{ended} of {len(rows)} tasks ended</b> · {state}"


class _TaskLine:
    """The widgets of one task's row."""

    def __init__(self) -> None:
        self.name = widgets.HTML()
        self.bar = widgets.IntProgress(min=0, max=100, layout=widgets.Layout(width="95%"))
        self.status = widgets.HTML()
        self.link = widgets.HTML()
        self.cells = [self.name, self.bar, self.status, self.link]
        for cell in self.cells:
            cell.add_class("qt-cell")

    def show(self, row: TaskRow) -> None:
        kind = ("" if row.label.startswith(row.kind)
                else f" <small>({html.escape(row.kind)})</small>")
        self.name.value = (f'<div class="qt-name" title="{html.escape(row.task_id)}">'
                           f"<b>{html.escape(row.label)}</b>{kind}</div>")
        self.bar.value = row.progress
        self.bar.bar_style = BAR_STYLES.get(row.status, "danger")
        self.status.value = html.escape(describe(row))
        self.link.value = ("" if not row.output_url else
                           f'<a href="{html.escape(row.output_url)}" target="_blank" '
                           'rel="noopener">output</a>')


class TaskMonitor(widgets.VBox):
    """Rows of progress for task handles; ``.results`` as a DataFrame; ``.stop()`` to stop.

    ``tasks``: one handle or several (``client.tts.create(...)``, ``client.tasks.handle(id)``);
    ``interval``: seconds between polls (at least 0.5); ``ledger``: a
    :class:`~qavix_lab.client.ledger.Ledger` (or its path) whose jobs to show, one row each, from
    earlier kernels and other processes too; ``client`` polls the tasks their dead runs left.
    """

    def __init__(self, tasks: Any = (), *, interval: float = 1.0,
                 ledger: Ledger | str | os.PathLike[str] | None = None,
                 client: Any = None) -> None:
        self.board = TaskBoard(tasks, interval=interval, ledger=ledger, client=client)
        self._lines: list[_TaskLine] = []
        self._lock = threading.Lock()
        self._summary = widgets.HTML()
        self._stop_button = widgets.Button(description="Stop", icon="stop", tooltip="stop polling",
                                           layout=widgets.Layout(width="90px"))
        self._stop_button.on_click(lambda _: self.stop())
        self._grid = widgets.GridBox(layout=widgets.Layout(grid_template_columns=GRID,
                                                           grid_gap="2px 8px",
                                                           align_items="center", width="100%"))
        super().__init__([widgets.HTML(STYLE), widgets.HBox([self._summary, self._stop_button]),
                          self._grid])
        self.add_class("qavix-task-monitor")
        self._show(self.board.rows)
        self.board.watch(self._show)

    @property
    def results(self) -> Any:
        """One row per task: id, kind, label, status, process, elapsed_s, eta_s, output_url.

        Up to date with what the handles saw themselves (``task.wait()``), and so are the rows.
        """
        self._show(self.board.rows)
        return self.board.frame()

    @property
    def done(self) -> bool:
        return self.board.done

    def add(self, task: Any, label: str | None = None) -> None:
        """Watch one more task (polling restarts if it had stopped)."""
        self.board.add(task, label)
        self._show(self.board.rows)
        self.board.watch(self._show)

    def stop(self) -> None:
        """Stop polling; the rows keep their last values."""
        self.board.stop()
        self.board.wait(5)
        self._show(self.board.rows)

    def to_html(self) -> str:
        """The monitor as plain HTML: its summary and one table row per task."""
        rows = self.board.rows
        body = "".join(
            f"<tr><td>{html.escape(r.label)}</td><td>{html.escape(r.kind)}</td>"
            f"<td>{r.progress}%</td><td>{html.escape(describe(r))}</td>"
            f"<td>{html.escape(r.task_id)}</td></tr>" for r in rows)
        return (f'<div class="qavix-task-monitor-static"><p>{_summary(rows, self.board.watching)}'
                "</p><table><thead><tr><th>task</th><th>kind</th><th>progress</th><th>status</th>"
                f"<th>ID</th></tr></thead><tbody>{body}</tbody></table></div>")

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The widget, and beside it the table as HTML for exports and kernel-less views."""
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        return {**bundle, "text/html": self.to_html()}

    def wait(self, timeout: float | None = None) -> bool:
        """Block until polling ends (every task ended, or stopped); True if it did in time."""
        return self.board.wait(timeout)

    def _show(self, rows: list[TaskRow]) -> None:
        with self._lock:
            if len(rows) > len(self._lines):
                self._lines += [_TaskLine() for _ in range(len(rows) - len(self._lines))]
                self._grid.children = [c for line in self._lines for c in line.cells]
            for line, row in zip(self._lines, rows, strict=False):
                line.show(row)
            self._summary.value = _summary(rows, self.board.watching)
            self._stop_button.disabled = not self.board.watching or self.board.done
