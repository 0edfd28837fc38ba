"""The S3 error answers the sandbox gives, as exceptions."""

from __future__ import annotations


class S3Error(Exception):
    """An S3 error answer: ``code`` (e.g. ``NoSuchKey``), message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, status


class S3Denied(S3Error):
    """Credentials refused: ``ExpiredToken`` 400, ``InvalidAccessKeyId`` or ``AccessDenied`` 403."""
