"""The v2 account endpoints (GET): the balance, and the usage history paged with a cursor."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .world import ServiceError

if TYPE_CHECKING:
    from .server import SandboxApp

MAX_PAGE = 100


def balance(app: SandboxApp, owner: str, query: Any) -> dict[str, Any]:
    rate = app.config.rate_limit
    return {
        "credits_remaining": app.billing.balance(owner),
        "plan": app.config.plan,
        "expires_at": app.world.iso(app.world.started + 365 * 86400),
        "rate_limits": {"requests_per_minute": round(rate * 60) if rate else None,
                        "queries_per_second": rate},
    }


def usage(app: SandboxApp, owner: str, query: Any) -> dict[str, Any]:
    """``?start=2026-11-01&end=2026-11-30&limit=50&cursor=…``: dates or ISO times (UTC), the
    end day included; the cursor of the previous page's ``next_cursor``."""
    start, end = _moment(query.get("start"), "start"), _moment(query.get("end"), "end")
    if end is not None and len(query["end"]) == 10:  # a date: the whole day
        end += 86400
    limit = _integer(query.get("limit", "20"), "limit", 1, MAX_PAGE)
    after = _integer(query.get("cursor") or "0", "cursor", 0, None)
    entries, more = app.billing.history(owner, start, end, after, limit)
    return {"items": [e.wire(app.world.iso) for e in entries],
            "next_cursor": str(entries[-1].id) if more else None, "has_more": more}


def _moment(text: str | None, name: str) -> float | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ServiceError(4005, f"{name} must be a date (YYYY-MM-DD) or an ISO time, got "
                                 f"{text!r}", param=name) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _integer(text: str, name: str, low: int, high: int | None) -> int:
    if not text.isdigit() or int(text) < low or (high is not None and int(text) > high):
        bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise ServiceError(4005, f"{name} must be an integer {bounds}, got {text!r}", param=name)
    return int(text)


ACCOUNT_HANDLERS = {"account.balance": balance, "account.usage": usage}
