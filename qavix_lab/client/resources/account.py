"""``client.account``: the balance and the usage history (GET endpoints of the v2 envelope).

Their paths are unpublished: ours come from the routes (``[account]`` in a routes file). A
service without them answers 404/405 or code 4004, told as :class:`~qavix_lab.errors.NoEndpoint`
naming the path and the fix.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ...errors import MalformedResponse, NoEndpoint, NotFound, ValidationError
from ..effects import Plan
from ..methods import Mode, plan_method
from ..protocol import Answer, get
from .base import Resource

if TYPE_CHECKING:
    import pandas as pd

MAX_PAGES = 10_000
USAGE_COLUMNS = ("time", "operation", "type", "task_id", "credits_used", "credits_remaining")


class Account(Resource[Mode]):
    """The account's credits: ``balance()`` and ``usage(start, end)``."""

    @plan_method
    def balance(self) -> Plan[dict[str, Any]]:
        """``credits_remaining``, ``plan``, ``expires_at`` and ``rate_limits`` as the service
        sends them (snake_case)."""
        answer = yield from self._get("balance", {})
        data = answer.result
        if not isinstance(data, dict):
            raise MalformedResponse("the balance is not an object", operation="account.balance")
        return _snake(data)

    @plan_method
    def usage(self, start: str | date | datetime | None = None,
              end: str | date | datetime | None = None, *, page_size: int = 100
              ) -> Plan[pd.DataFrame]:
        """The usage history between ``start`` and ``end`` (dates or times, the end day
        included), every page followed through its cursor, as a DataFrame (one row per entry)."""
        import pandas as pd

        if not 1 <= page_size <= 1000:
            raise ValidationError(f"page_size must be 1..1000, got {page_size}",
                                  where="page_size")
        params = {"limit": str(page_size)}
        for name, value in (("start", start), ("end", end)):
            if value is not None:
                params[name] = value.isoformat() if isinstance(value, date) else str(value)
        rows: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            answer = yield from self._get("usage", {**params, **({"cursor": cursor}
                                                                  if cursor else {})})
            page = _snake(answer.result) if isinstance(answer.result, dict) else None
            if page is None or not isinstance(page.get("items"), list):
                raise MalformedResponse("a usage page has no items list",
                                        operation="account.usage")
            rows += [item for item in page["items"] if isinstance(item, dict)]
            cursor = page.get("next_cursor")
            if not cursor or not page.get("has_more", True):
                break
        frame = pd.DataFrame(rows)
        for column in USAGE_COLUMNS:
            if column not in frame:
                frame[column] = None
        if len(frame):
            frame["time"] = pd.to_datetime(frame["time"], utc=True, errors="coerce")
        return frame

    def _get(self, name: str, params: dict[str, str]) -> Plan[Answer]:
        client = self._client
        path = client.routes.path(name)
        try:
            answer = yield from get(name, path, params, client.retry_policy, client.wire)
        except (NotFound, MalformedResponse) as exc:
            if isinstance(exc, NotFound) or exc.http_status in (404, 405):
                raise NoEndpoint(f"this service has no {name} endpoint at GET {path}; set "
                                 f"[account] {name} = \"/its/path\" in a routes file "
                                 "(qavix-lab doctor finds it)", operation=f"account.{name}",
                                 http_status=exc.http_status) from None
            raise
        return answer


def _snake(data: dict[str, Any]) -> dict[str, Any]:
    from ...spec.envelopes import snake_keys

    result: dict[str, Any] = snake_keys(data)
    return result
