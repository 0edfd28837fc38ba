"""``client.files``: uploads, download URLs and streaming downloads."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ...spec import FileLink, UploadPrivilege
from ..download import DownloadProgress, fetch_file
from ..effects import Plan
from ..methods import Mode, plan_method
from ..options import RequestOptions
from ..protocol import call
from ..upload import Source, UploadedFile, upload_plan
from .base import Resource

if TYPE_CHECKING:
    from ..storage import Storage


class Files(Resource[Mode]):
    """Upload credentials, completion, URL refresh and downloads."""

    @plan_method
    def privilege(self, file_name: str, md5: str, file_size: int, *, format: str | None = None,
                  source: str | None = None, options: RequestOptions | None = None
                  ) -> Plan[UploadPrivilege]:
        """Ask for upload credentials for a file of ``file_size`` bytes with hex ``md5``."""
        privilege: UploadPrivilege = yield from call(
            "files.privilege", {"fileName": file_name, "md5": md5, "fileSize": file_size,
                                "format": format, "source": source},
            self._client.retry_policy, options or RequestOptions(), wire=self._client.wire)
        return privilege

    @plan_method
    def complete(self, file_id: str | int, *, options: RequestOptions | None = None
                 ) -> Plan[FileLink]:
        """Tell the service an upload is complete; returns the file's temporary URL."""
        link: FileLink = yield from call("files.complete", {"fileId": str(file_id)},
                                         self._client.retry_policy, options or RequestOptions(),
                                         wire=self._client.wire)
        return link

    @plan_method
    def refresh(self, file_id: str | int, *, options: RequestOptions | None = None
                ) -> Plan[FileLink]:
        """Re-issue the temporary download URL of a file."""
        link: FileLink = yield from call("files.refresh", {"fileId": str(file_id)},
                                         self._client.retry_policy, options or RequestOptions(),
                                         wire=self._client.wire)
        return link

    @plan_method
    def upload(self, source: Source, *, file_name: str | None = None,
               progress: bool | Callable[[int], None] | None = None,
               storage: Storage | None = None) -> Plan[UploadedFile]:
        """Upload a path, bytes or binary file object; returns an :class:`UploadedFile`.

        MD5 is streamed; the service's instant upload skips the transfer when it has the bytes;
        large files go to object storage in parts; expiring credentials are renewed; the stop
        button stops every part. ``progress``: True for a progress bar, or a callable getting
        bytes sent so far.
        """
        uploaded = yield from upload_plan(self._client, source, file_name=file_name,
                                          progress=progress, storage=storage)
        return uploaded

    @plan_method
    def download(self, url: str | UploadedFile, dest: str | Path, *,
                 progress: bool | DownloadProgress = False) -> Plan[Path]:
        """Stream a URL (or an ``UploadedFile``) to ``dest`` (a file or a folder), never whole in
        memory; returns the path. A file name taken from the URL is reduced to a safe one."""
        if isinstance(url, UploadedFile):
            saved = yield from fetch_file(self._client, url.url, dest, url.file_id, progress,
                                          url.apply)
        else:
            saved = yield from fetch_file(self._client, str(url), dest, None, progress)
        return saved.path
