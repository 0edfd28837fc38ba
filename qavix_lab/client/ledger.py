"""The ledger: a durable journal of paid jobs, so that none is paid twice and no result is lost.

One SQLite file (stdlib ``sqlite3``, WAL mode) records every job a client runs: a stable key
(the operation plus its canonical request, or a key the user gives), the request, the task ID the
moment it arrives, every state change, the output path with its SHA-256 and size, errors, times
and credits. Several processes and threads may write to it at once.

A job moves through these states::

    planned -> sending -> created -> completed -> downloaded -> verified
                  |          \\-> failed (the service said the task failed)
                  |-> rejected (the service refused the create: nothing to pay; may be sent again)
                  \\-> unknown (the create may have reached the service: never sent again by itself)

``planned`` rows were never sent. A ``sending`` row whose process has died is ``unknown``: its
create may have reached the service, which may have created (and charged) the task.

>>> ledger = Ledger()                      # .qavix-ledger/ledger.sqlite beside the notebook
>>> ledger.frame()                         # one row per job, honest dtypes
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..errors import AmbiguousCreate, QavixError, ValidationError, redact
from .processes import process_alive

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Ledger", "Job", "LedgerObserver", "STATES", "DEFAULT_FOLDER", "canonical_json",
           "request_key", "service_scope", "ambiguous_create", "open_ledger"]

DEFAULT_FOLDER = ".qavix-ledger"
FILE_NAME = "ledger.sqlite"
BUSY_TIMEOUT_S = 30.0

State = Literal["planned", "sending", "created", "completed", "downloaded", "verified", "failed",
                "rejected", "unknown"]
STATES: tuple[State, ...] = ("planned", "sending", "created", "completed", "downloaded",
                             "verified", "failed", "rejected", "unknown")
# What a batch does with a job it finds in the ledger.
Step = Literal["create", "attach", "download", "done", "failed", "unknown", "busy"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_key TEXT PRIMARY KEY,
    request_key TEXT NOT NULL,
    take INTEGER NOT NULL,
    operation TEXT NOT NULL,
    request TEXT NOT NULL,
    label TEXT,
    state TEXT NOT NULL,
    owner TEXT,
    task_id TEXT,
    status INTEGER,
    progress INTEGER,
    output_path TEXT,
    output_sha256 TEXT,
    output_size INTEGER,
    credits REAL,
    error TEXT,
    error_type TEXT,
    planned_at REAL NOT NULL,
    sent_at REAL,
    task_at REAL,
    finished_at REAL,
    updated_at REAL NOT NULL,
    UNIQUE (request_key, take)
);
CREATE INDEX IF NOT EXISTS jobs_by_task ON jobs (task_id);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_key TEXT NOT NULL,
    at REAL NOT NULL,
    state TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS events_by_job ON events (job_key);
"""


def canonical_json(request: Mapping[str, Any]) -> str:
    """The request as the service gets it, spelled one way: sorted keys, no spaces, no nulls."""
    body = {k: v for k, v in request.items() if v is not None}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def request_key(operation: str, request: Mapping[str, Any], key: str | None = None,
                scope: str = "") -> str:
    """The stable key of a job: the user's ``key``, else the operation and a hash of the request
    and the ``scope`` (which service and account: see :func:`service_scope`).

    >>> request_key("tts.create", {"text": "Hi", "timbreId": "7"})[:11]
    'tts.create:'
    """
    if key is not None:
        if not str(key).strip():
            raise ValidationError("a job key must not be empty", where="key")
        return str(key).strip()
    text = f"{scope}\n{operation}\n{canonical_json(request)}"
    return f"{operation}:{hashlib.sha256(text.encode()).hexdigest()[:24]}"


def service_scope(base_url: str, api_key: str) -> str:
    """Which service and account a job belongs to: the same request sent to another service or
    with another key is another job. Only a short hash of the key is used, never the key."""
    account = hashlib.sha256(api_key.encode()).hexdigest()[:12]
    return f"{base_url.rstrip('/')}#{account}"


@dataclass(frozen=True)
class Job:
    """One job as the ledger last recorded it (times are epoch seconds, UTC)."""

    job_key: str
    request_key: str
    take: int
    operation: str
    request: str
    label: str | None
    state: State
    owner: str | None
    task_id: str | None
    status: int | None
    progress: int | None
    output_path: str | None
    output_sha256: str | None
    output_size: int | None
    credits: float | None
    error: str | None
    error_type: str | None
    planned_at: float
    sent_at: float | None
    task_at: float | None
    finished_at: float | None
    updated_at: float

    @property
    def request_body(self) -> dict[str, Any]:
        """The request, decoded."""
        body: dict[str, Any] = json.loads(self.request)
        return body

    def output_intact(self) -> bool:
        """The recorded output file is there, with the recorded size and SHA-256."""
        if not self.output_path or not self.output_sha256:
            return False
        path = Path(self.output_path)
        try:
            if self.output_size is not None and path.stat().st_size != self.output_size:
                return False
            return file_sha256(path) == self.output_sha256
        except OSError:
            return False


_COLUMNS = [f.name for f in fields(Job)]


def file_sha256(path: str | os.PathLike[str], chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def ledger_file(path: str | os.PathLike[str]) -> Path:
    """The ledger's file for ``path``: the file itself, or ``ledger.sqlite`` in that folder."""
    target = Path(path)
    if target.suffix not in (".sqlite", ".sqlite3", ".db"):
        target = target / FILE_NAME
    return target.resolve()


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _owner_alive(owner: str | None) -> bool:
    """Whether the process that wrote ``owner`` still runs (on this host; elsewhere: assume so)."""
    if not owner:
        return False
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname():
        return True
    if not pid.isdigit():
        return False
    return int(pid) == os.getpid() or process_alive(int(pid))


_announced: set[Path] = set()
_announce_lock = threading.Lock()


class Ledger:
    """A journal of jobs in one SQLite file, safe to share between processes and threads.

    ``path`` is the file, or a folder to put ``ledger.sqlite`` in; by default
    ``.qavix-ledger/`` in the current directory (beside the notebook), printed once.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *,
                 announce: bool | None = None) -> None:
        self.path = ledger_file(path if path is not None else Path.cwd() / DEFAULT_FOLDER)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise QavixError(f"cannot create the ledger folder: {e.strerror or e}",
                             where=str(self.path.parent)) from e
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._create_schema()
        if announce if announce is not None else path is None:
            self._announce()

    def __repr__(self) -> str:
        return f"<Ledger {self.path}>"

    def _announce(self) -> None:
        with _announce_lock:
            if self.path in _announced:
                return
            _announced.add(self.path)
        # stderr: a command's stdout may be a JSON document (qavix-lab ... --json)
        print(f"qavix_lab: jobs are recorded in {self.path} (pass ledger=False to turn off)",
              file=sys.stderr)

    # -- connections and transactions ------------------------------------------------------------
    def _db(self) -> sqlite3.Connection:
        """This thread's connection (a new one after a fork: a connection never crosses one)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            return conn
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                               check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        self._retry_locked(lambda: conn.execute("PRAGMA journal_mode = WAL"))
        # NORMAL in WAL mode survives any crash of the process (SIGKILL included); only a power
        # cut may lose the last commits.
        conn.execute("PRAGMA synchronous = NORMAL")
        self._local.conn, self._local.pid = conn, os.getpid()
        with self._lock:
            self._connections.append(conn)
        return conn

    @staticmethod
    def _retry_locked(action: Any) -> Any:
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                return action()
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (BEGIN IMMEDIATE) so the busy timeout applies."""
        db = self._db()
        try:
            self._retry_locked(lambda: db.execute("BEGIN IMMEDIATE"))
        except sqlite3.Error as e:
            raise self._error(e) from e
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        try:
            db.execute("COMMIT")
        except sqlite3.Error as e:
            raise self._error(e) from e

    def _error(self, e: sqlite3.Error) -> QavixError:
        return QavixError(f"the ledger could not be written: {e}", where=str(self.path))

    def _create_schema(self) -> None:
        with self._write() as db:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)

    def close(self) -> None:
        """Close every connection this object opened (in any thread)."""
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()
        self._local = threading.local()

    def journal_mode(self) -> str:
        return str(self._db().execute("PRAGMA journal_mode").fetchone()[0])

    # -- writing -------------------------------------------------------------------------------
    def plan(self, operation: str, request: Mapping[str, Any], *, key: str | None = None,
             label: str | None = None, fresh: bool = False, scope: str = "") -> Job:
        """The job for this request: the latest take already recorded, else a new ``planned`` row.

        ``fresh=True`` always starts a new take (a second, deliberately paid run of the same job).
        """
        return self.plan_many([(operation, request, key, label)], fresh=fresh, scope=scope)[0]

    def plan_many(self, items: Iterable[tuple[str, Mapping[str, Any], str | None, str | None]],
                  *, fresh: bool = False, scope: str = "") -> list[Job]:
        """:meth:`plan` for many ``(operation, request, key, label)``, in one transaction."""
        now = time.time()
        keys: list[str] = []
        with self._write() as db:
            for operation, request, key, label in items:
                rkey = request_key(operation, request, key, scope)
                latest = db.execute("SELECT job_key, take FROM jobs WHERE request_key = ? "
                                    "ORDER BY take DESC LIMIT 1", (rkey,)).fetchone()
                if latest is not None and not fresh:
                    keys.append(latest["job_key"])
                    continue
                take = 1 if latest is None else latest["take"] + 1
                job_key = rkey if take == 1 else f"{rkey}~{take}"
                db.execute(
                    "INSERT INTO jobs (job_key, request_key, take, operation, request, label, "
                    "state, planned_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'planned', ?, ?)",
                    (job_key, rkey, take, operation, redact(canonical_json(request)), label,
                     now, now))
                self._event(db, job_key, "planned", None, now)
                keys.append(job_key)
        return self._get_many(keys)

    def claim(self, job_key: str) -> bool:
        """Mark the job ``sending`` just before its create goes out; False if it must not be sent.

        Only a ``planned`` or ``rejected`` job (never sent, or refused by the service) is claimed,
        so that two processes running the same batch never both send it.
        """
        now = time.time()
        with self._write() as db:
            moved = db.execute(
                "UPDATE jobs SET state = 'sending', owner = ?, sent_at = ?, updated_at = ?, "
                "error = NULL, error_type = NULL "
                "WHERE job_key = ? AND state IN ('planned', 'rejected')",
                (_owner(), now, now, job_key)).rowcount
            if moved:
                self._event(db, job_key, "sending", None, now)
        return bool(moved)

    def created(self, job_key: str, task_id: str, *, credits: float | None = None) -> None:
        """The task ID arrived: record it at once."""
        self._move(job_key, "created", task_id=str(task_id), task_at=time.time(),
                   credits=credits, error=None, error_type=None, detail=str(task_id))

    def progress(self, job_key: str, status: int, progress: int | None = None) -> None:
        """A status seen by a poll; a job already completed or further on keeps its state."""
        now = time.time()
        with self._write() as db:
            row = db.execute("SELECT state, status FROM jobs WHERE job_key = ?",
                             (job_key,)).fetchone()
            if row is None:
                raise self._missing(job_key)
            state = row["state"]
            if status == 1 and state in ("created", "unknown", "sending"):
                state = "completed"
            db.execute("UPDATE jobs SET state = ?, status = ?, progress = ?, updated_at = ?, "
                       "finished_at = CASE WHEN ? = 'completed' THEN ? ELSE finished_at END "
                       "WHERE job_key = ?",
                       (state, int(status), progress, now, state, now, job_key))
            if state != row["state"] or row["status"] != status:
                self._event(db, job_key, state, f"status {status}", now)

    def completed(self, job_key: str) -> None:
        self._move(job_key, "completed", status=1, progress=100, finished_at=time.time())

    def output(self, job_key: str, path: str | os.PathLike[str], *, sha256: str | None = None,
               size: int | None = None, verified: bool = True) -> None:
        """The output file is on disk (hashed here unless ``sha256`` is given)."""
        file = Path(path).resolve()
        try:
            digest = sha256 or file_sha256(file)
            length = size if size is not None else file.stat().st_size
        except OSError as e:
            raise QavixError(f"cannot read the downloaded file: {e.strerror or e}",
                             where=str(file)) from e
        self._move(job_key, "verified" if verified else "downloaded", output_path=str(file),
                   output_sha256=digest, output_size=length, error=None, error_type=None,
                   detail=str(file))

    def failed(self, job_key: str, error: BaseException | str, *,
               status: int | None = None) -> None:
        """The service ended the task badly (failed, violation, deleted): a final state."""
        self._move(job_key, "failed", status=status, finished_at=time.time(),
                   **self._error_fields(error))

    def rejected(self, job_key: str, error: BaseException | str) -> None:
        """The service refused the create with a clear answer: no task, nothing charged."""
        self._move(job_key, "rejected", **self._error_fields(error))

    def unknown(self, job_key: str, error: BaseException | str) -> None:
        """The create may have reached the service but no ID came back."""
        self._move(job_key, "unknown", **self._error_fields(error))

    def note_error(self, job_key: str, error: BaseException | str) -> None:
        """An error that does not change the state (a wait or a download that may be retried)."""
        self._move(job_key, None, **self._error_fields(error))

    def set_credits(self, job_key: str, credits: float) -> None:
        self._move(job_key, None, credits=float(credits))

    def reconcile(self, job_key: str, task_id: str | int) -> Job:
        """Give an ``unknown`` (or stuck ``sending``) job the task ID the service reported for it.

        Refuses to change an ID already recorded: that would lose track of a paid task.
        """
        text = str(task_id).strip()
        if not text.lstrip("-").isdigit():
            raise ValidationError(f"a task ID is an integer, not {task_id!r}", where="task_id")
        job = self.get(job_key)
        if job is None:
            raise self._missing(job_key)
        if job.task_id is not None and job.task_id != text:
            raise ValidationError(f"job {job_key} already has task {job.task_id}; it is not "
                                  f"{text}", where=job_key)
        if job.task_id is None:
            self._move(job_key, "created", task_id=text, task_at=time.time(),
                       error=None, error_type=None, detail=f"reconciled with task {text}")
        return self._get(job_key)

    def forget(self, job_keys: str | Sequence[str] | None = None, *,
               states: Sequence[str] | None = None) -> int:
        """Delete jobs (by key, or every job in ``states``) with their history; returns how many."""
        if job_keys is None and states is None:
            raise ValidationError("say which jobs to forget: job_keys=... or states=[...]",
                                  where="forget")
        keys = [job_keys] if isinstance(job_keys, str) else list(job_keys or [])
        with self._write() as db:
            if states is not None:
                marks = ",".join("?" * len(states))
                keys += [r[0] for r in db.execute(
                    f"SELECT job_key FROM jobs WHERE state IN ({marks})", list(states))]
            for key in keys:
                db.execute("DELETE FROM events WHERE job_key = ?", (key,))
            return sum(db.execute("DELETE FROM jobs WHERE job_key = ?", (key,)).rowcount
                       for key in keys)

    def _move(self, job_key: str, state: str | None, *, detail: str | None = None,
              **values: Any) -> None:
        now = time.time()
        values["updated_at"] = now
        if state is not None:
            values["state"] = state
        assignments = ", ".join(f"{name} = ?" for name in values)
        with self._write() as db:
            changed = db.execute(f"UPDATE jobs SET {assignments} WHERE job_key = ?",
                                 [*values.values(), job_key]).rowcount
            if not changed:
                raise self._missing(job_key)
            self._event(db, job_key, state or "note", detail or values.get("error"), now)

    @staticmethod
    def _event(db: sqlite3.Connection, job_key: str, state: str, detail: str | None,
               at: float) -> None:
        db.execute("INSERT INTO events (job_key, at, state, detail) VALUES (?, ?, ?, ?)",
                   (job_key, at, state, detail))

    @staticmethod
    def _error_fields(error: BaseException | str) -> dict[str, Any]:
        if isinstance(error, BaseException):
            return {"error": redact(str(error)), "error_type": type(error).__name__}
        return {"error": redact(error), "error_type": None}

    def _missing(self, job_key: str) -> QavixError:
        return QavixError(f"no job {job_key!r} in the ledger", where=str(self.path))

    # -- reading -------------------------------------------------------------------------------
    def get(self, job_key: str) -> Job | None:
        row = self._db().execute("SELECT * FROM jobs WHERE job_key = ?", (job_key,)).fetchone()
        return None if row is None else _job(row)

    def _get(self, job_key: str) -> Job:
        job = self.get(job_key)
        if job is None:
            raise self._missing(job_key)
        return job

    def _get_many(self, keys: Sequence[str]) -> list[Job]:
        return [self._get(key) for key in keys]

    def find_task(self, task_id: str | int) -> Job | None:
        """The job that created task ``task_id``, if this ledger knows it."""
        row = self._db().execute("SELECT * FROM jobs WHERE task_id = ? ORDER BY take DESC "
                                 "LIMIT 1", (str(task_id),)).fetchone()
        return None if row is None else _job(row)

    def jobs(self, *, states: Sequence[str] | None = None,
             operation: str | None = None) -> list[Job]:
        """Jobs in the order they were planned, optionally only some states or one operation."""
        query, args = "SELECT * FROM jobs WHERE 1 = 1", []
        if states is not None:
            query += f" AND state IN ({','.join('?' * len(states))})"
            args += list(states)
        if operation is not None:
            query += " AND operation = ?"
            args.append(operation)
        rows = self._db().execute(query + " ORDER BY planned_at, rowid", args).fetchall()
        return [_job(row) for row in rows]

    def history(self, job_key: str) -> list[tuple[float, str, str | None]]:
        """Every state change of a job: ``(epoch seconds, state, detail)``."""
        rows = self._db().execute("SELECT at, state, detail FROM events WHERE job_key = ? "
                                  "ORDER BY id", (job_key,)).fetchall()
        return [(row["at"], row["state"], row["detail"]) for row in rows]

    def next_step(self, job: Job) -> Step:
        """What running this job again should do, without ever paying for it twice."""
        state = job.state
        if state in ("planned", "rejected"):
            return "create"
        if state == "sending":
            return "busy" if _owner_alive(job.owner) and job.owner != _owner() else "unknown"
        if state == "unknown":
            return "unknown" if job.task_id is None else "attach"
        if state == "failed":
            return "failed"
        if state in ("downloaded", "verified"):
            return "done" if job.output_intact() else "download"
        if state == "completed":
            return "download"
        return "attach"

    def resume_candidates(self) -> list[Job]:
        """Jobs with a task to wait for or an output to fetch (their task ID is known)."""
        return [job for job in self.jobs(states=["created", "completed", "downloaded",
                                                 "verified", "unknown"])
                if job.task_id is not None and self.next_step(job) in ("attach", "download")]

    def handles(self, client: Any, *, states: Sequence[str] | None = None) -> list[Any]:
        """Task handles on ``client`` for the jobs with a task (from an earlier kernel too),
        labelled as in the ledger: ``TaskMonitor(client.ledger.handles(client))``."""
        found = []
        for job in self.jobs(states=states):
            if job.task_id is None or not job.operation.startswith(("tts.", "video.")):
                continue
            handle = (client.tts.task(job.task_id) if job.operation.startswith("tts.")
                      else client.tasks.handle(job.task_id))
            handle.label = job.label or job.job_key
            found.append(handle)
        return found

    def frame(self) -> pd.DataFrame:
        """Every job, one row each: IDs and text as strings, codes as nullable integers,
        times tz-aware (UTC), the state an ordered categorical."""
        import pandas as pd

        rows = self._db().execute("SELECT * FROM jobs ORDER BY planned_at, rowid").fetchall()
        frame = pd.DataFrame([tuple(row) for row in rows], columns=_COLUMNS)
        for column in ("job_key", "request_key", "operation", "request", "label", "owner",
                       "task_id", "output_path", "output_sha256", "error", "error_type"):
            frame[column] = frame[column].astype("string")
        for column in ("take", "status", "progress", "output_size"):
            frame[column] = frame[column].astype("Int64")
        frame["credits"] = frame["credits"].astype("Float64")
        for column in ("planned_at", "sent_at", "task_at", "finished_at", "updated_at"):
            frame[column] = pd.to_datetime(frame[column].astype("float64"), unit="s", utc=True)
        frame["state"] = pd.Categorical(frame["state"], categories=list(STATES), ordered=True)
        front = ["job_key", "label", "state", "task_id", "status", "progress", "output_path",
                 "error"]
        return frame[front + [c for c in frame.columns if c not in front]]

    def counts(self) -> dict[str, int]:
        """How many jobs are in each state."""
        rows = self._db().execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall()
        return {row[0]: row[1] for row in rows}


def open_ledger(ledger: Ledger | str | os.PathLike[str] | bool | None) -> Ledger:
    """A ledger from what a caller passed: a :class:`Ledger`, a path, or True/None (the default
    folder beside the notebook)."""
    if isinstance(ledger, Ledger):
        return ledger
    if ledger is None or ledger is True:
        return Ledger()
    if isinstance(ledger, str | os.PathLike):
        return Ledger(ledger)
    raise ValidationError(f"ledger= takes a Ledger, a path or True, not {ledger!r}",
                          where="ledger")


def _job(row: sqlite3.Row) -> Job:
    return Job(**{name: row[name] for name in _COLUMNS})


# Service statuses that end a task badly (failed, violation, deleted).
_FAILED_STATUSES = {2, 10, -1}


def ambiguous_create(operation: str, cause: BaseException | str | None, *,
                     job_key: str | None = None, where: str | None = None,
                     earlier: bool = False) -> AmbiguousCreate:
    """The error for a create that may have reached the service, said in words: the task may
    exist and be charged, and what to do about it (with a ledger, or without one)."""
    if isinstance(cause, BaseException):
        what = f"{type(cause).__name__}: {getattr(cause, 'message', cause)}".rstrip(": ")
    else:
        what = cause or "no answer"
    when = "in an earlier run" if earlier else "just now"
    text = (f"the create sent {when} may have reached the service ({what}), but no task ID "
            "came back: the task may exist and be charged. ")
    if job_key is None:
        text += ("Creating it again may pay twice; with a ledger (Client(ledger=...)) such a job "
                 "is kept as 'unknown' and never sent again by itself")
    else:
        text += ("The job is marked 'unknown' in the ledger and is not sent again by itself. If "
                 f"you learn its task ID, call ledger.reconcile({job_key!r}, task_id); to pay for "
                 "a new task on purpose, run it again with fresh=True")
    return AmbiguousCreate(text, operation=operation, where=where, job_key=job_key)


class LedgerObserver:
    """Records the task lifecycle in a :class:`Ledger` and re-attaches known jobs.

    Before a create it finds the job by its key: a job with a task goes back to that task (no
    second payment), a job whose create may have landed (``unknown``) raises
    :class:`~qavix_lab.errors.AmbiguousCreate`, and only a job never sent is claimed and sent.
    """

    def __init__(self, ledger: Ledger, *, scope: str = "", fresh: bool = False) -> None:
        self.ledger = ledger
        self.scope = scope
        self.fresh = fresh
        self._by_task: dict[str, str] = {}
        self._by_job: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"<LedgerObserver {self.ledger.path}>"

    def _job_key(self, job: Any) -> str:
        known = self._by_job.get(job.key)
        if known is not None:
            return known
        from .lifecycle import job_key

        # the lifecycle's own key is a hash of the request: the ledger spells its own, readable
        # one from the same request (or from what names it: an uploaded file by its content); a
        # key the caller chose is kept as is
        given, identity = getattr(job, "idempotency_key", None), getattr(job, "identity", None)
        if given is None and identity is not None:
            given = request_key(job.operation, identity, None, self.scope)
        elif given is None and job.key != job_key(job.operation, job.request):
            given = job.key
        record = self.ledger.plan(job.operation, job.request, key=given, fresh=self.fresh,
                                  scope=self.scope)
        self._by_job[job.key] = record.job_key
        return record.job_key

    def job_key_of(self, job: Any) -> str | None:
        """The ledger's key for a job this observer has seen."""
        return self._by_job.get(job.key)

    def before_create(self, job: Any) -> str | None:
        key = self._job_key(job)
        record = self.ledger._get(key)
        step = self.ledger.next_step(record)
        if step == "create" and self.ledger.claim(key):
            return None
        record = self.ledger._get(key)  # another process may have claimed it meanwhile
        step = self.ledger.next_step(record)
        if record.task_id is not None and step in ("attach", "download", "done", "failed"):
            self._by_task[record.task_id] = key
            return record.task_id
        if step == "busy":
            raise QavixError(f"job {key} is being created by another process "
                             f"({record.owner}); run it again once that one is done",
                             operation=job.operation, where=str(self.ledger.path))
        cause = record.error
        if record.state == "sending":  # the process sending it died before an answer came
            cause = f"the process that sent it ({record.owner}) stopped before any answer came"
            self.ledger.unknown(key, cause)
        raise ambiguous_create(job.operation, cause, job_key=key, where=str(self.ledger.path),
                               earlier=True)

    def created(self, job: Any, task_id: str) -> None:
        key = self._job_key(job)
        self._by_task[str(task_id)] = key
        self.ledger.created(key, str(task_id))

    def create_failed(self, job: Any, error: QavixError, maybe_created: bool) -> None:
        key = self._job_key(job)
        if maybe_created:
            self.ledger.unknown(key, error)
        else:
            self.ledger.rejected(key, error)

    def _task_job(self, task_id: str) -> str | None:
        key = self._by_task.get(str(task_id))
        if key is None:
            found = self.ledger.find_task(task_id)
            key = None if found is None else found.job_key
            if key is not None:
                self._by_task[str(task_id)] = key
        return key

    def state_changed(self, task_id: str, state: Any) -> None:
        key = self._task_job(task_id)
        status = getattr(state, "status", None)
        if key is None or not isinstance(status, int):
            return  # a task this ledger did not create (a handle made from an ID)
        progress = getattr(state, "progress", getattr(state, "process", None))
        if int(status) in _FAILED_STATUSES:
            from .lifecycle import failure_reason

            self.ledger.failed(key, failure_reason(state) or f"status {int(status)}",
                               status=int(status))
        else:
            self.ledger.progress(key, int(status), progress)

    def output_written(self, task_id: str, path: Path, sha256: str) -> None:
        key = self._task_job(task_id)
        if key is not None:
            self.ledger.output(key, path, sha256=sha256)
