"""The sandbox's HTTP front: WebResult API under ``/qavix``, links, auditions, S3 storage."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import math
import secrets
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import anyio
import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from ..spec import MESSAGES, OPERATIONS, Operation
from ..spec.envelopes import ACCOUNT_PATHS, TASK_TYPES, camel_keys, status_name
from .account import ACCOUNT_HANDLERS
from .billing import Billing
from .config import SandboxConfig
from .envelope import ServiceAnswer, render_v2
from .faults import Fault, Faults
from .handlers import HANDLERS, describe, scenario_status
from .jobs import VideoJobs, erase_areas
from .limits import BodyTooLarge, read_capped, timed_receive
from .ssrf import UrlGuard
from .world import OUTPUT_BUCKET, ServiceError, Task, World

log = logging.getLogger("qavix_lab.sandbox")
API_PREFIX = "/qavix"
# Handlers that read whole files; the others are quick enough to run on the event loop.
_BLOCKING = {"files.complete", "voices.clone", "voices.list"}
_HTML_PAGE = ("<html><head><title>{status} Bad Gateway</title></head><body><center><h1>{status}"
              "</h1></center><hr><center>qavix-gateway</center></body></html>")


class RateLimiter:
    """A token bucket per API key."""

    def __init__(self, rate: float | None, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> float | None:
        if not self.rate:
            return None
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return None
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate


class SandboxApp:
    """The whole sandbox as one ASGI application."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        from .s3 import ObjectStore, S3Denied, make_s3_app

        self.config = config or SandboxConfig()
        self._tmp = None
        if self.config.data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="qavix-sandbox-")
            data_dir = Path(self._tmp.name)
        else:
            data_dir = Path(self.config.data_dir)
        self.world = World(self.config, data_dir)
        self.store = ObjectStore(data_dir / "objects")
        self.faults = Faults()
        self.limiter = RateLimiter(self.config.rate_limit, self.config.rate_burst)
        self.jobs = VideoJobs(self, self.config.video_workers)
        self.url_guard = UrlGuard(self.config)
        self._catalog: list[dict[str, Any]] | None = None
        self._auditions: dict[int, bytes] = {}
        self._link_secret = secrets.token_bytes(32)  # signs cloned voices' audition links
        self._denied = S3Denied
        self.s3 = make_s3_app(self.store, self._authorize_upload, clock=self.world.now,
                              permits=self.world.credential_permits)
        self.api = Starlette(routes=[
            Route(API_PREFIX + "/{path:path}", self._api, methods=["GET", "POST"]),
            Route("/files/{token}/{name:path}", self._file, methods=["GET", "HEAD"]),
            Route("/audition/{voice_id:int}.mp3", self._audition, methods=["GET", "HEAD"]),
            Route("/openapi.json", self._openapi, methods=["GET"]),
            Route(API_PREFIX + "/openapi.json", self._openapi, methods=["GET"]),
            Route("/healthz", lambda r: JSONResponse({"ok": True}), methods=["GET"]),
        ])
        self.billing = Billing(self.config.prices, self.config.starting_credits, self.world.now)
        self.v2 = self.config.envelope == "v2"
        self.paths = {**{op.name: op.path for op in OPERATIONS.values()}, **ACCOUNT_PATHS,
                      **self.config.paths}
        self._routes_by_path = {API_PREFIX + self.paths[op.name]: op
                                for op in OPERATIONS.values()}
        self._account_by_path = {API_PREFIX + self.paths[name]: name for name in ACCOUNT_PATHS}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if scope["type"] == "http":
            receive = timed_receive(receive, self.config.body_timeout)
        if scope["type"] != "http" or path.startswith(
                (API_PREFIX + "/", "/files/", "/audition/", "/openapi.json", "/healthz")):
            await self.api(scope, receive, send)
        else:
            await self.s3(scope, receive, send)

    def close(self) -> None:
        self.jobs.shutdown()
        self.url_guard.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    # -- the WebResult API -------------------------------------------------------------------
    async def _api(self, request: Request) -> Response:
        response = await self._api_answer(request)
        if self.v2 and isinstance(response, ServiceAnswer):
            response = self._as_v2(request, response)
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
        owner = request.state.owner = self._owner(request)
        if owner is None:
            return ServiceAnswer(4001, MESSAGES[4001])
        wait = self.limiter.retry_after(owner)
        if wait is not None:
            return ServiceAnswer(429, MESSAGES[429], status=429,
                                 headers={"Retry-After": str(max(1, math.ceil(wait)))})
        if op is None:  # an account endpoint
            try:
                result = ACCOUNT_HANDLERS[str(account)](self, owner, request.query_params)
            except ServiceError as exc:
                return ServiceAnswer(exc.code, exc.message, param=exc.param)
            return ServiceAnswer(0, "success", result)
        request.state.op = op
        fault = self.faults.next_for(op.name)
        if self.faults.latency:
            await asyncio.sleep(self.faults.latency)
        if fault is not None and fault.kind != "slow_after":
            return self._fault_response(fault)
        response = await self._answer(op, owner, request)
        if fault is not None:  # the work is done; the client just does not hear back in time
            await asyncio.sleep(fault.delay)
        return response

    def _owner(self, request: Request) -> str | None:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        key = key.strip()
        return key if scheme.lower() == "bearer" and key in self.config.api_keys else None

    async def _read_json(self, request: Request) -> bytes | Response:
        """The request body, or the answer refusing it: too large (413) or too slow (408)."""
        limit = self.config.max_json_bytes
        declared = request.headers.get("content-length", "")
        try:
            if declared.isdigit() and int(declared) > limit:
                raise BodyTooLarge(limit)
            with anyio.fail_after(self.config.body_timeout):
                body = await read_capped(request.stream(), limit)
            request.state.body_read = True
            return body
        except BodyTooLarge:
            return ServiceAnswer(4005, f"the request body is larger than {limit} bytes; upload "
                                 "files with upload privilege", status=413,
                                 wire_code="request_too_large")
        except TimeoutError:
            return ServiceAnswer(4005, f"the request body did not arrive within "
                                 f"{self.config.body_timeout:g} s", status=408,
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
            verdict = await self.url_guard.check(body.get(name), self.world.origin)
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
        charge = self.billing.charge(owner, op.name)
        handler = HANDLERS[op.name]
        try:
            if op.name in _BLOCKING:
                result = await run_in_threadpool(handler, self, owner, body)
            else:
                result = handler(self, owner, body)
        except BaseException:
            if charge is not None:
                self.billing.undo(charge)
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
                data["estimatedCredits"] = self.billing.price(op.name)
            if "taskId" in data and op.name in TASK_TYPES:
                data.update(taskType=TASK_TYPES[op.name], status="pending")
            elif "taskId" in data:  # a task's state
                task = self.world.tasks.get(int(data["taskId"]))
                data["taskType"] = TASK_TYPES.get(task.kind) if task else None
                data["status"] = status_name(data["status"], data.get("process"))
        used = self.billing.price(op.name) if op is not None and answer.code == 0 else 0
        usage = None if owner is None else {"credits_used": used,
                                            "credits_remaining": self.billing.balance(owner)}
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

    # -- links, auditions, OpenAPI -----------------------------------------------------------
    async def _file(self, request: Request) -> Response:
        record, expired = self.world.resolve_link(request.path_params["token"])
        if record is None:
            return Response("no such link", status_code=404)
        if expired:
            return Response("this link has expired; refresh it with url refresh",
                            status_code=403)
        path = self.store.path(record.bucket, record.key)
        if path is None and record.generate is not None:
            data = await run_in_threadpool(record.generate)
            self.store.put_bytes(record.bucket, record.key, data)
            path = self.store.path(record.bucket, record.key)
        if path is None:
            return Response("the object is gone", status_code=404)
        return FileResponse(path, filename=record.name)

    async def _audition(self, request: Request) -> Response:
        voice_id = request.path_params["voice_id"]
        voice = next((v for v in self.catalog() if v["id"] == voice_id), None)
        if voice is None:  # a cloned voice: its owner's key or its signed link
            owner = next((o for o, clones in self.world.clones.items()
                          if any(v["id"] == voice_id for v in clones)), None)
            if owner is None:
                return Response("no such voice", status_code=404)
            signed = hmac.compare_digest(request.query_params.get("sig", ""),
                                         self._audition_signature(voice_id))
            if not signed and self._owner(request) != owner:
                return Response("a cloned voice's audition needs its owner's API key or its "
                                "signed link", status_code=403)
            voice = next(v for v in self.world.clones[owner] if v["id"] == voice_id)
        if voice_id not in self._auditions:
            from .catalog import audition_text

            speak = self.synthesizer(voice)
            self._auditions[voice_id] = await run_in_threadpool(speak, audition_text(voice))
        return Response(self._auditions[voice_id], media_type="audio/mpeg")

    def _audition_signature(self, voice_id: int) -> str:
        return hmac.new(self._link_secret, f"audition:{voice_id}".encode(),
                        hashlib.sha256).hexdigest()[:32]

    async def _openapi(self, request: Request) -> Response:
        from .openapi import openapi_document

        return JSONResponse(openapi_document(self.world.origin + API_PREFIX, self.paths))

    # -- uploads -----------------------------------------------------------------------------
    def _authorize_upload(self, access_key: str, session_token: str | None) -> str:
        """Check temporary credentials; returning the secret makes the store verify SigV4."""
        cred = self.world.credentials.get(access_key)
        if cred is None:
            raise self._denied("InvalidAccessKeyId", "unknown access key", 403)
        if session_token != cred.token:
            raise self._denied("InvalidToken", "the security token does not match", 400)
        if cred.expires <= self.world.now():
            raise self._denied("ExpiredToken", "the provided token has expired", 400)
        return cred.secret

    # -- voices ------------------------------------------------------------------------------
    def catalog(self) -> list[dict[str, Any]]:
        if self._catalog is None:
            from .catalog import build_catalog

            self._catalog = build_catalog(lambda i: f"{self.world.origin}/audition/{i}.mp3")
        return self._catalog

    def voices_of(self, owner: str) -> list[dict[str, Any]]:
        return self.catalog() + self.world.clones.get(owner, [])

    def voice(self, owner: str, voice_id: Any) -> dict[str, Any]:
        wanted = str(voice_id).strip()
        for voice in self.voices_of(owner):
            if str(voice["id"]) == wanted:
                return voice
        raise ServiceError(4004, f"voice {voice_id} not found")

    def voice_for(self, owner: str, timbre: Any, lang: str) -> dict[str, Any]:
        if timbre not in (None, ""):
            return self.voice(owner, timbre)
        return next((v for v in self.catalog() if v["lang"] == lang and v["status"] == 0),
                    self.catalog()[0])

    def add_clone(self, owner: str, name: str, fmt: str) -> int:
        from .catalog import clone_record

        with self.world.lock:
            record = clone_record(next(self.world._file_ids), name, lambda i: (
                f"{self.world.origin}/audition/{i}.mp3?sig={self._audition_signature(i)}"))
            self.world.clones.setdefault(owner, []).append(record)
        return record["id"]

    def synthesizer(self, voice: dict[str, Any]) -> Any:
        from .catalog import voice_traits
        from .speech import VoiceTraits, synthesize

        traits = VoiceTraits(**voice_traits(voice))
        engine = self.config.speech_engine

        def speak(text: str) -> bytes:
            return synthesize(text, traits, fmt="mp3", engine=engine)

        return speak

    # -- tasks -------------------------------------------------------------------------------
    def advance_tts(self, task: Task) -> None:
        """TTS progress follows the clock; the audio is made when first downloaded."""
        with self.world.lock:
            if task.status != 0:
                return
            elapsed = self.world.now() - task.created
            if elapsed < task.duration:
                task.process = min(99, int(100 * elapsed / task.duration))
                return
            if task.final_status == 1:
                voice, text = task.fields["voice"], task.fields["text"]
                speak = self.synthesizer(voice)
                name = f"tts_{task.id}.mp3"
                record = self.world.new_file(task.owner, name, OUTPUT_BUCKET,
                                             self.world.output_key(name), complete=True,
                                             generate=lambda: speak(text))
                task.outputs["dest"] = record.id
                task.process = 100
            task.status = task.final_status
            self.settle(task)

    def start_video_task(self, owner: str, kind: str, body: dict[str, Any]) -> Task:
        if kind == "video.erase":
            erase_areas(body)  # reject bad regions now, not in the worker
        task = self.world.new_task(owner, kind, body, self.config.video_min_seconds)
        task.final_status = scenario_status(body.get("name"))
        self.jobs.submit(task)
        return task

    def settle(self, task: Task) -> None:
        """A task has ended: a failed one is refunded what its creation was charged."""
        if task.status == 2:
            self.billing.refund(task.owner, str(task.id))

    def link_of(self, file_id: int | None) -> str | None:
        if file_id is None:
            return None
        return self.world.current_link(self.world.files[file_id])

    def describe_task(self, task: Task) -> dict[str, Any]:
        return describe(task, self.link_of)
