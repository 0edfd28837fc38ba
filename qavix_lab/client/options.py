"""``RequestOptions``: the per-call settings every operation takes as ``options=``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ValidationError


@dataclass(frozen=True)
class RequestOptions:
    """Per-call settings, one value for every operation (``options=RequestOptions(...)``).

    - ``timeout``: seconds for this request (else the client's);
    - ``max_retries``: retries of transient failures for this call (else the client's); a create
      is never retried once it may have reached the service, whatever this says;
    - ``extra_body``: JSON fields the library does not know yet, sent unchanged (they win over
      the library's own);
    - ``extra_headers``: HTTP headers added to the request;
    - ``max_response_bytes``: the largest answer accepted, after decompression (else the
      client's, 16 MiB by default); a larger one is a ``MalformedResponse``;
    - ``idempotency_key``: the job's key for a task-creating call (sent as ``Idempotency-Key``,
      and the key under which a job observer such as a ledger records the job); by default the
      key is derived from the operation and its canonical request.

    >>> client.voices.list(options=RequestOptions(timeout=5, max_retries=0))
    """

    timeout: float | None = None
    max_retries: int | None = None
    extra_body: Mapping[str, Any] = field(default_factory=dict)
    extra_headers: Mapping[str, str] = field(default_factory=dict)
    idempotency_key: str | None = None
    max_response_bytes: int | None = None

    def __post_init__(self) -> None:
        if self.timeout is not None and not (isinstance(self.timeout, int | float)
                                             and self.timeout > 0):
            raise ValidationError(f"timeout must be seconds > 0, got {self.timeout!r}",
                                  where="RequestOptions.timeout")
        if self.max_retries is not None and (isinstance(self.max_retries, bool) or not isinstance(
                self.max_retries, int) or self.max_retries < 0):
            raise ValidationError(f"max_retries must be an integer >= 0, got {self.max_retries!r}",
                                  where="RequestOptions.max_retries")
        if self.max_response_bytes is not None:
            check_size(self.max_response_bytes, "RequestOptions.max_response_bytes")

    def headers(self) -> dict[str, str]:
        out = dict(self.extra_headers)
        if self.idempotency_key:
            out["Idempotency-Key"] = self.idempotency_key
        return out


def check_size(value: object, where: str) -> None:
    """Refuse a byte count that is not a positive integer."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValidationError(f"expected a number of bytes > 0, got {value!r}", where=where)


NO_OPTIONS = RequestOptions()
