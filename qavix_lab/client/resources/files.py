"""``client.files``: uploads, download URLs and streaming downloads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import LinkExpired, QavixError
from ...spec import TaskStatus
from ..handles import TaskHandle
from ..protocol import Call, Plan
from .base import Resource


class Files(Resource):
    """Upload credentials, completion, URL refresh and downloads."""

    def privilege(self, file_name: str, md5: str, file_size: int, *, format: str | None = None,
                  source: str | None = None, **opts: Any) -> Any:
        return self._do("files.privilege", {"fileName": file_name, "md5": md5,
                                            "fileSize": file_size, "format": format,
                                            "source": source}, opts)

    def complete(self, file_id: str | int, **opts: Any) -> Any:
        return self._do("files.complete", {"fileId": str(file_id)}, opts)

    def refresh(self, file_id: str | int, **opts: Any) -> Any:
        """Re-issue the temporary download URL of a file."""
        return self._do("files.refresh", {"fileId": str(file_id)}, opts)

    def upload(self, source: Any, *, file_name: str | None = None, progress: Any = None,
               storage: Any = None, **_: Any) -> Any:
        """Upload a path, bytes or binary file object; returns an :class:`UploadedFile`.

        MD5 is streamed; the service's instant upload skips the transfer when it has the bytes;
        large files go to object storage in parts; expiring credentials are renewed.
        ``progress``: True for a progress bar, or a callable getting bytes sent so far.
        """
        from ..upload import upload_plan

        return self._client._run(upload_plan(self._client, source, file_name=file_name,
                                             progress=progress, storage=storage))

    def download(self, url: Any, dest: str | Path, *, progress: bool = False) -> Any:
        """Stream a URL (or an ``UploadedFile``) to ``dest``, never whole in memory."""
        return self._client._run(self._download_plan(url, Path(dest), progress))

    def _download_plan(self, url: Any, dest: Path, progress: bool) -> Plan[Path]:
        from ..download import download
        from ..upload import UploadedFile

        if not isinstance(url, UploadedFile):
            return (yield Call(lambda: download(str(url), dest, progress=progress)))
        try:
            return (yield Call(lambda: download(url.url, dest, progress=progress)))
        except LinkExpired:  # our clock may disagree with the service's: refresh and retry
            url._apply((yield from self._client._call_plan("files.refresh",
                                                           {"fileId": url.file_id})))
            return (yield Call(lambda: download(url.url, dest, progress=progress)))

    def _download_output(self, task: TaskHandle, dest: str | Path | None, progress: bool,
                         state: Any = None) -> Plan[Path]:
        from ..download import download

        state = state or task.last
        if state is None:
            state = yield from task._fetch()
        if state.status != TaskStatus.COMPLETED or not state.dest_file_tmp_url:
            raise QavixError(f"{task.label} has no output yet (status {state.status!r})")
        url, file_id = state.dest_file_tmp_url, state.dest_file_id
        target = Path(dest) if dest is not None else self._client.output_dir / _file_name(task, url)
        try:
            return (yield Call(lambda: download(url, target, progress=progress)))
        except LinkExpired:
            if not file_id:
                raise
            link = yield from self._client._call_plan("files.refresh", {"fileId": file_id})
            return (yield Call(lambda: download(link.url, target, progress=progress)))


def _file_name(task: TaskHandle, url: str) -> str:
    from urllib.parse import urlsplit

    suffix = Path(urlsplit(url).path).suffix or ".bin"
    return f"{task.kind}_{task.id}{suffix}"
