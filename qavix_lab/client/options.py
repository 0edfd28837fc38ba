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

    def __post_init__(self) -> None:
        if self.timeout is not None and not (isinstance(self.timeout, int | float)
                                             and self.timeout > 0):
            raise ValidationError(f"timeout must be seconds > 0, got {self.timeout!r}",
                                  where="RequestOptions.timeout")
        if self.max_retries is not None and (isinstance(self.max_retries, bool) or not isinstance(
                self.max_retries, int) or self.max_retries < 0):
            raise ValidationError(f"max_retries must be an integer >= 0, got {self.max_retries!r}",
                                  where="RequestOptions.max_retries")

    def headers(self) -> dict[str, str]:
        out = dict(self.extra_headers)
        if self.idempotency_key:
            out["Idempotency-Key"] = self.idempotency_key
        return out


NO_OPTIONS = RequestOptions()
