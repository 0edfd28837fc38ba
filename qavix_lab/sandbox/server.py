"""The sandbox as one ASGI app: the API under ``/qavix`` (:mod:`.api`), links, auditions, the
OpenAPI document, and S3 storage for everything else; and the state they share."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import tempfile
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from ..spec import OPERATIONS
from ..spec.envelopes import ACCOUNT_PATHS
from .api import API_PREFIX, Api
from .billing import Billing
from .config import SandboxConfig
from .faults import Faults
from .handlers import describe, scenario_status
from .jobs import VideoJobs, erase_areas
from .limits import RateLimiter, dated, timed_receive
from .ssrf import UrlGuard
from .world import OUTPUT_BUCKET, ServiceError, Task, World


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
        self.billing = Billing(self.config.prices, self.config.starting_credits, self.world.now)
        self.paths = {**{op.name: op.path for op in OPERATIONS.values()}, **ACCOUNT_PATHS,
                      **self.config.paths}
        self.front = Api(self, self.paths)
        self.api = Starlette(routes=[
            Route(API_PREFIX + "/{path:path}", self.front.answer, methods=["GET", "POST"]),
            Route("/files/{token}/{name:path}", self._file, methods=["GET", "HEAD"]),
            Route("/audition/{voice_id:int}.mp3", self._audition, methods=["GET", "HEAD"]),
            Route("/openapi.json", self._openapi, methods=["GET"]),
            Route(API_PREFIX + "/openapi.json", self._openapi, methods=["GET"]),
            Route("/healthz", lambda r: JSONResponse({"ok": True}), methods=["GET"]),
        ])

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if scope["type"] == "http":
            receive = timed_receive(receive, self.config.body_timeout)
            send = dated(send, lambda: self.world.now() + self.config.clock_skew)
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
            if not signed and self.front.owner(request) != owner:
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
