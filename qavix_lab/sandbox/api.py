"""The sandbox's API front under ``/qavix``: keys, rate limits, faults, bodies, URL rules,
credits, the handlers, and the answer in the configured envelope."""

from __future__ import annotations

import asyncio
import logging
import math
from typing import TYPE_CHECKING, Any

import anyio
import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ..spec import MESSAGES, OPERATIONS, Operation
from ..spec.envelopes import ACCOUNT_PATHS, TASK_TYPES, camel_keys, status_name
from .account import ACCOUNT_HANDLERS
from .envelope import ServiceAnswer, render_v2
from .faults import Fault
from .handlers import HANDLERS
from .limits import BodyTooLarge, read_capped
from .world import ServiceError

if TYPE_CHECKING:
    from .server import SandboxApp

log = logging.getLogger("qavix_lab.sandbox")
API_PREFIX = "/qavix"
# Handlers that read whole files; the others are quick enough to run on the event loop.
_BLOCKING = {"files.complete", "voices.clone", "voices.list"}
_HTML_PAGE = ("<html><head><title>{status} Bad Gateway</title></head><body><center><h1>{status}"
              "</h1></center><hr><center>qavix-gateway</center></body></html>")


class Api:
    """Answers ``GET``/``POST`` under ``/qavix`` for a :class:`SandboxApp`."""

    def __init__(self, app: SandboxApp, paths: dict[str, str]) -> None:
        self.app = app
        self.v2 = app.config.envelope == "v2"
        self._routes_by_path = {API_PREFIX + paths[op.name]: op for op in OPERATIONS.values()}
        self._account_by_path = {API_PREFIX + paths[name]: name for name in ACCOUNT_PATHS}

    async def answer(self, request: Request) -> Response:
        response = await self._api_answer(request)
        if self.v2 and isinstance(response, ServiceAnswer):
            response = self._as_v2(request, response)
        response.headers.update(getattr(request.state, "rate_headers", {}))
        has_body = request.headers.get("content-length", "0") != "0" or (
            "transfer-encoding" in request.headers)
        if has_body and not getattr(request.state, "body_read", False):
            # answered before the body was read (a bad key, a fault): the rest of the body
            # would be taken for the next request, so the connection ends here
            response.headers["Connection"] = "close"
        return response

    async def _api_answer(self, request: Request) -> Response:
        path = request.url.path
        account = self._account_by_path.get(path) if self.v2 else None
        op = self._routes_by_path.get(path) if request.method == "POST" else None
        if op is None and (account is None or request.method != "GET"):
            return ServiceAnswer(4004, f"no such operation: {request.method} {path}",
                                 status=404, wire_code="not_found")
        owner = request.state.owner = self.owner(request)
        if owner is None:
            return ServiceAnswer(4001, MESSAGES[4001])
        wait, request.state.rate_headers = self.app.limiter.take(owner)
        if wait is not None:
            return ServiceAnswer(429, MESSAGES[429], status=429,
                                 headers={"Retry-After": str(max(1, math.ceil(wait)))})
        if op is None:  # an account endpoint
            try:
                result = ACCOUNT_HANDLERS[str(account)](self.app, owner, request.query_params)
            except ServiceError as exc:
                return ServiceAnswer(exc.code, exc.message, param=exc.param)
            return ServiceAnswer(0, "success", result)
        request.state.op = op
        fault = self.app.faults.next_for(op.name)
        if self.app.faults.latency:
            await asyncio.sleep(self.app.faults.latency)
        if fault is not None and fault.kind != "slow_after":
            return self._fault_response(fault)
        response = await self._answer(op, owner, request)
        if fault is not None:  # the work is done; the client just does not hear back in time
            await asyncio.sleep(fault.delay)
        return response

    def owner(self, request: Request) -> str | None:
        """The API key a request carries, when it is one of the sandbox's."""
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        key = key.strip()
        return key if scheme.lower() == "bearer" and key in self.app.config.api_keys else None

    async def _read_json(self, request: Request) -> bytes | Response:
        """The request body, or the answer refusing it: too large (413) or too slow (408)."""
        limit = self.app.config.max_json_bytes
        declared = request.headers.get("content-length", "")
        try:
            if declared.isdigit() and int(declared) > limit:
                raise BodyTooLarge(limit)
            with anyio.fail_after(self.app.config.body_timeout):
                body = await read_capped(request.stream(), limit)
            request.state.body_read = True
            return body
        except BodyTooLarge:
            return ServiceAnswer(4005, f"the request body is larger than {limit} bytes; upload "
                                 "files with upload privilege", status=413,
                                 wire_code="request_too_large")
        except TimeoutError:
            return ServiceAnswer(4005, f"the request body did not arrive within "
                                 f"{self.app.config.body_timeout:g} s", status=408,
                                 wire_code="request_timeout")

    async def _answer(self, op: Operation, owner: str, request: Request) -> Response:
        raw = await self._read_json(request)
        if isinstance(raw, Response):
            return raw
        try:
            body = orjson.loads(raw) if raw.strip() else {}
        except orjson.JSONDecodeError:
            return ServiceAnswer(4005, "the request body is not valid JSON")
        if not isinstance(body, dict):
            return ServiceAnswer(4005, "the request body must be a JSON object")
        body = camel_keys(body) if self.v2 else body  # v2 clients send snake_case
        missing = op.missing(body)
        if missing:
            return ServiceAnswer(4005, f"{MESSAGES[4005]}: {', '.join(missing)}",
                                 wire_code="missing_field", param=missing[0])
        for name in op.url_fields:
            verdict = await self.app.url_guard.check(body.get(name), self.app.world.origin)
            if verdict is not None:
                return ServiceAnswer(verdict.code, f"{name}: {verdict}", status=400, param=name)
        try:
            result = await self._carry_out(op, owner, {**op.defaults, **body})
        except ServiceError as exc:
            return ServiceAnswer(exc.code, exc.message, status=exc.http_status,
                                 wire_code=exc.wire_code, param=exc.param)
        except Exception:
            log.exception("sandbox handler %s crashed", op.name)
            return ServiceAnswer(5000, MESSAGES[5000])
        return ServiceAnswer(0, "success", result)

    async def _carry_out(self, op: Operation, owner: str, body: dict[str, Any]) -> Any:
        """Charge the operation's price, run its handler, and give the price back if it fails."""
        charge = self.app.billing.charge(owner, op.name)
        handler = HANDLERS[op.name]
        try:
            if op.name in _BLOCKING:
                result = await run_in_threadpool(handler, self.app, owner, body)
            else:
                result = handler(self.app, owner, body)
        except BaseException:
            if charge is not None:
                self.app.billing.undo(charge)
            raise
        if charge is not None:
            made = result.get("taskId", result.get("timbreId"))
            charge.task_id = None if made is None else str(made)
        return result

    def _as_v2(self, request: Request, answer: ServiceAnswer) -> Response:
        """An answer in the v2 envelope: snake_case, status strings, task types, credits."""
        op: Operation | None = getattr(request.state, "op", None)
        owner: str | None = getattr(request.state, "owner", None)
        data = answer.result
        if op is not None and isinstance(data, dict):
            data = dict(data)
            if op.creates_task:
                data["estimatedCredits"] = self.app.billing.price(op.name)
            if "taskId" in data and op.name in TASK_TYPES:
                data.update(taskType=TASK_TYPES[op.name], status="pending")
            elif "taskId" in data:  # a task's state
                task = self.app.world.tasks.get(int(data["taskId"]))
                data["taskType"] = TASK_TYPES.get(task.kind) if task else None
                data["status"] = status_name(data["status"], data.get("process"))
        used = self.app.billing.price(op.name) if op is not None and answer.code == 0 else 0
        usage = None if owner is None else {"credits_used": used,
                                            "credits_remaining": self.app.billing.balance(owner)}
        return render_v2(answer, data, usage)

    def _fault_response(self, fault: Fault) -> Response:
        kind = fault.kind
        retry = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
        if kind == "http429":
            return Response("Too Many Requests", status_code=429, headers=retry,
                            media_type="text/plain")
        if kind == "code429":
            return ServiceAnswer(429, MESSAGES[429], headers=retry)
        if kind.startswith("code"):
            code = int(kind[4:])
            return ServiceAnswer(code, MESSAGES.get(code, "error"))
        if kind.startswith("http5"):
            status = int(kind[4:])
            return Response(_HTML_PAGE.format(status=status), status_code=status,
                            media_type="text/html")
        if kind == "html200":
            return Response("<!DOCTYPE html><html><body>Please log in</body></html>",
                            media_type="text/html")
        return Response(b'{"code": 0, "message": "success", "result": {"taskI',
                        media_type="application/json")

