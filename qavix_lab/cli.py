"""The ``qavix-lab`` command: the sandbox, the catalog, TTS, tasks and the demo from a shell.

Each command is one function registered with :func:`command` (its options beside it); it gets the
parsed arguments and an :class:`Output` that prints text, or JSON with ``--json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import NotFound, QavixError, ValidationError, redact

PROG = "qavix-lab"
DESCRIPTION = """\
The Qavix AI video API from a shell: the voice catalog, text to speech, task status, a local
sandbox server and the demo.

Which service the commands talk to:
  1. QAVIX_API_KEY set: the real service (QAVIX_BASE_URL or --base-url, if set).
  2. otherwise a sandbox started by "qavix-lab sandbox" in another terminal: it saves its URL
     and key to a state file (see below; mode 0600, the key is never printed) and later
     commands use it, saying so on stderr. Tasks created by one command can then be found by
     the next one.
  3. otherwise a throwaway sandbox inside the command, gone when the command ends (said on
     stderr): "qavix-lab task ID" cannot find a task an earlier command created.

Errors are one line, "qavix-lab: error: ...", and exit status 1."""

log = logging.getLogger("qavix_lab.cli")


# --- output -------------------------------------------------------------------------------------
class Output:
    """Where a command's results go: text or one JSON document on stdout; notes on stderr."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def result(self, data: Any, text: str | Callable[[], str]) -> None:
        """Print ``data`` as JSON with ``--json``, else ``text`` (or what it returns)."""
        if self.as_json:
            print(json.dumps(data, default=str, ensure_ascii=False))
        else:
            print(text() if callable(text) else text)

    @staticmethod
    def note(message: str) -> None:
        print(f"{PROG}: {message}", file=sys.stderr, flush=True)

    def progress(self, message: str) -> None:
        """Step-by-step progress: stdout for people, stderr when stdout carries JSON."""
        print(message, file=sys.stderr if self.as_json else sys.stdout, flush=True)


# --- the sandbox state file ---------------------------------------------------------------------
@dataclass(frozen=True)
class SandboxState:
    """What ``qavix-lab sandbox`` leaves for later commands: its URL, key and process."""

    url: str
    api_key: str
    pid: int

    def __repr__(self) -> str:  # never the key
        return f"SandboxState(url={self.url!r}, pid={self.pid})"


def state_path() -> Path:
    """``$XDG_CONFIG_HOME/qavix-lab/sandbox.json`` (``~/.config`` by default; ``%APPDATA%``
    on Windows)."""
    base = os.environ.get("XDG_CONFIG_HOME") or (
        os.environ.get("APPDATA") if os.name == "nt" else None)
    return Path(base or Path.home() / ".config") / PROG / "sandbox.json"


def write_state(state: SandboxState) -> Path:
    """Save the state readable by this user only (0600), replacing the file atomically."""
    path = state_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"url": state.url, "api_key": state.api_key, "pid": state.pid}, handle)
    os.chmod(partial, 0o600)
    os.replace(partial, path)
    return path


def read_state() -> SandboxState | None:
    """The running sandbox's state, or None when there is none or its process has ended."""
    path = state_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        state = SandboxState(url=str(raw["url"]), api_key=str(raw["api_key"]),
                             pid=int(raw["pid"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        Output.note(f"ignoring {path}: it is not a sandbox state file")
        return None
    from .client.processes import process_alive

    if not process_alive(state.pid):
        Output.note(f"ignoring {path}: the sandbox that wrote it (process {state.pid}) "
                    "has ended")
        return None
    return state


def forget_state(pid: int) -> None:
    """Remove the state file if it still belongs to process ``pid``."""
    path = state_path()
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == pid:
            path.unlink()
    except (OSError, ValueError, AttributeError):
        pass



def connect_for(args: argparse.Namespace) -> Any:
    """A Client for the service the command should talk to (see the description above)."""
    from .client import Client
    from .connection import embedded_sandbox

    # Task outputs without a given path land in the current folder, named after the task.
    key, here = os.environ.get("QAVIX_API_KEY"), Path.cwd()
    if key:
        return Client(key, base_url=args.base_url, output_dir=here)
    if args.base_url:
        raise ValidationError("--base-url needs QAVIX_API_KEY (the key for that service)",
                              where="--base-url")
    state = read_state()
    if state is not None:
        Output.note(f"using the sandbox at {state.url} (process {state.pid}; from "
                    f"{state_path()})")
        return Client(state.api_key, base_url=state.url, output_dir=here)
    sandbox = embedded_sandbox()
    Output.note("no QAVIX_API_KEY and no 'qavix-lab sandbox' running: using a throwaway sandbox "
                "that ends with this command (start 'qavix-lab sandbox' in another terminal "
                "to keep tasks between commands)")
    return Client(sandbox.api_key, base_url=sandbox.url, output_dir=here)


# --- commands -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Command:
    name: str
    help: str
    arguments: tuple[tuple[tuple[str, ...], dict[str, Any]], ...]
    run: Callable[[argparse.Namespace, Output], int]


COMMANDS: list[Command] = []


def arg(*flags: str, **options: Any) -> tuple[tuple[str, ...], dict[str, Any]]:
    """One option of a command, as ``argparse.add_argument`` takes it (``help`` required)."""
    if not options.get("help"):
        raise TypeError(f"option {flags[0]} needs help text")
    return flags, options


def command(name: str, help: str, *arguments: tuple[tuple[str, ...], dict[str, Any]]
            ) -> Callable[[Callable[[argparse.Namespace, Output], int]],
                          Callable[[argparse.Namespace, Output], int]]:
    """Register ``fn(args, out) -> exit status`` as the command ``name``."""
    def register(fn: Callable[[argparse.Namespace, Output], int]
                 ) -> Callable[[argparse.Namespace, Output], int]:
        COMMANDS.append(Command(name, help, arguments, fn))
        return fn

    return register


@command(
    "sandbox", "run a Qavix-compatible sandbox server in the foreground (Ctrl-C stops it); "
    "later commands use it",
    arg("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"),
    arg("--port", type=int, default=8765, help="TCP port to listen on (default 8765)"),
    arg("--api-key", help="the key clients must send (default: a random one, saved to the "
                          "state file and never printed)"),
    arg("--tts-seconds", type=float, default=2.0, metavar="SECONDS",
        help="how long a TTS task takes, in seconds (default 2)"),
    arg("--rate-limit", type=float, metavar="PER_SECOND",
        help="requests per second allowed per key (default: unlimited)"),
    arg("--link-ttl", type=float, default=3600.0, metavar="SECONDS",
        help="lifetime of download links, in seconds (default 3600)"),
    arg("--envelope", choices=("webresult", "v2"), default="webresult",
        help="the answer format: WebResult {code, message, result} (default) or the second "
             "published one (success/data/error/usage, snake_case)"),
    arg("--shuffle-paths", type=int, metavar="SEED",
        help="serve every operation on other paths (shuffled with SEED), to try "
             "'qavix-lab doctor' and routes files"),
)
def sandbox(args: argparse.Namespace, out: Output) -> int:
    from .sandbox import Sandbox, SandboxConfig
    from .sandbox.config import shuffled_paths

    running = read_state()
    if running is not None:
        raise ValidationError(f"a sandbox is already running at {running.url} (process "
                              f"{running.pid}); stop it first", where=str(state_path()))
    keys = [args.api_key] if args.api_key else SandboxConfig().api_keys
    paths = shuffled_paths(args.shuffle_paths) if args.shuffle_paths is not None else {}
    config = SandboxConfig(api_keys=keys, tts_seconds=args.tts_seconds,
                           rate_limit=args.rate_limit, link_ttl=args.link_ttl,
                           envelope=args.envelope, paths=paths)
    server = Sandbox(config, host=args.host, port=args.port)
    pid = os.getpid()
    path = write_state(SandboxState(url=server.url, api_key=server.api_key, pid=pid))
    openapi = f"{server.app.world.origin}/openapi.json"
    out.result({"url": server.url, "state_file": str(path), "pid": pid, "openapi": openapi},
               f"Qavix sandbox listening on {server.url}   (Ctrl-C to stop)\n"
               f"  URL and key saved to {path} (readable by you only);\n"
               f"  later {PROG} commands in any terminal use this sandbox.\n"
               f"  From Python: Client(api_key, base_url=\"{server.url}\") with the api_key "
               f"from that file.\n"
               f"  OpenAPI document: {openapi}")
    sys.stdout.flush()
    # uvicorn re-raises SIGTERM after its shutdown; exit through ``finally`` to remove the state
    signal.signal(signal.SIGTERM, _exit_quietly)
    try:
        server.serve()
    finally:
        forget_state(pid)
    return 0


def _exit_quietly(signum: int, frame: Any) -> None:
    raise SystemExit(0)


VOICE_COLUMNS = ["voice_id", "name", "lang", "gender_str", "age_range_str", "emotion_str",
                 "hot_count"]


@command(
    "voices", "list the voice catalog, most popular first",
    arg("--lang", help="language code or name, e.g. en or English"),
    arg("--gender", help="male or female (or the code 1 or 2)"),
    arg("--emotion", help="e.g. calm, happy, neutral (or its code)"),
    arg("--text", help="words to find in names and descriptions"),
    arg("--limit", type=int, default=40, metavar="ROWS",
        help="rows to print (default 40; 0 for all)"),
)
def voices(args: argparse.Namespace, out: Output) -> int:
    import pandas as pd

    if args.limit < 0:
        raise ValidationError(f"--limit must be 0 (all) or more, got {args.limit}",
                              where="--limit")
    filters = {k: v for k, v in (("lang", args.lang), ("gender", args.gender),
                                 ("emotion", args.emotion), ("text", args.text)) if v}
    frame = connect_for(args).voices.frame(**filters)
    shown = frame.head(args.limit) if args.limit else frame
    records = json.loads(shown.to_json(orient="records", date_format="iso", force_ascii=False))

    def text() -> str:
        with pd.option_context("display.width", 160, "display.max_rows", len(shown) + 1):
            table = shown[VOICE_COLUMNS].to_string(index=False)
        count = (f"{len(shown)} of {len(frame)} voices (--limit 0 shows all)"
                 if len(shown) < len(frame) else f"{len(frame)} voices")
        return f"{table}\n\n{count}"

    out.result(records, text)
    return 0


@command(
    "tts", "synthesize TEXT with a voice into an audio file",
    arg("text", help="what to say"),
    arg("--voice", required=True, help="voice ID (see: qavix-lab voices)"),
    arg("--lang", help="language code of the text (default: the voice's)"),
    arg("-o", "--output", metavar="FILE",
        help="audio file to write (default: tts_<task id>.mp3 in the current folder)"),
    arg("--timeout", type=float, default=600, metavar="SECONDS",
        help="give up waiting after this many seconds (default 600)"),
)
def tts(args: argparse.Namespace, out: Output) -> int:
    client = connect_for(args)
    task = client.tts.create(args.text, args.voice, lang=args.lang)
    out.note(f"created TTS task {task.id}")
    state = task.wait(timeout=args.timeout, progress_bar=True)
    path = task.download(args.output)
    out.result({"task_id": task.id, "kind": "tts", "status": int(state.status),
                "path": str(path)},
               f"task {task.id}: wrote {path}")
    return 0


@command(
    "task", "show a task (TTS or video, found out by asking the service), or wait for it",
    arg("id", help="the task ID"),
    arg("--wait", action="store_true", help="poll until the task ends, with a progress bar"),
    arg("--kind", choices=["auto", "tts", "video"], default="auto",
        help="the task's kind (default auto: asked from the service)"),
    arg("--tts", action="store_const", const="tts", dest="kind", help="same as --kind tts"),
    arg("--timeout", type=float, default=1800, metavar="SECONDS",
        help="with --wait, give up after this many seconds (default 1800)"),
)
def task(args: argparse.Namespace, out: Output) -> int:
    client = connect_for(args)
    handle = _task_handle(client, args.id, args.kind)
    if args.wait:
        out.note(f"waiting for {handle.kind} task {handle.id}")
        state = handle.wait(timeout=args.timeout, progress_bar=True)
    else:
        state = handle.refresh()
    data = {"kind": handle.kind, **state.to_dict()}
    data["status"] = int(state.status)
    status_name = getattr(state.status, "name", str(state.status)).lower()

    def text() -> str:
        known = {k: v for k, v in data.items() if v is not None and k not in
                 ("task_id", "kind", "status", "process")}
        lines = [f"task {handle.id}: {handle.kind}, {status_name} ({data['status']}), "
                 f"{state.process}%"]
        lines += [f"  {key}: {value}" for key, value in known.items()]
        return "\n".join(lines)

    out.result(data, text)
    return 0


def _task_handle(client: Any, task_id: str, kind: str) -> Any:
    """A handle of the right kind: TTS tasks answer the TTS result query, video tasks do not."""
    if kind == "tts":
        return client.tts.task(task_id)
    if kind == "video":
        return client.tasks.handle(task_id)
    try:
        client.tts.result(task_id)
    except NotFound:
        return client.tasks.handle(task_id)
    return client.tts.task(task_id)


@command(
    "demo", "the full tour on a fresh embedded sandbox, written up as an HTML report",
    arg("-o", "--output", default="qavix-lab-output", metavar="FOLDER",
        help="folder for the report and its files (default qavix-lab-output)"),
    arg("--quick", action="store_true", help="skip the video steps (about 10 s instead of 40)"),
)
def demo(args: argparse.Namespace, out: Output) -> int:
    from .demo import run_demo

    report = run_demo(Path(args.output), quick=args.quick, say=out.progress)
    files = sorted(str(p.relative_to(report.parent)) for p in report.parent.rglob("*")
                   if p.is_file())
    out.result({"report": str(report), "files": files}, f"\nreport: {report}")
    return 0


_ROUTES_HELP = ("a routes file (TOML or JSON) correcting paths, field names or the envelope "
                "(default: $QAVIX_ROUTES, else the contract's)")


def _routes(args: argparse.Namespace) -> Any:
    from .spec.routes import ROUTES_ENV, load_routes

    routes = load_routes(args.routes) if args.routes else load_routes()
    origin = (f"--routes {args.routes}" if args.routes else
              f"${ROUTES_ENV} = {routes.source}" if routes.source else
              "the contract's defaults (no routes file)")
    return routes, origin


@command(
    "config", "show the routes in force (paths, wire field names, envelope) and where they "
    "came from",
    arg("--routes", metavar="FILE", help=_ROUTES_HELP),
)
def config(args: argparse.Namespace, out: Output) -> int:
    routes, origin = _routes(args)
    rows = routes.rows()

    def text() -> str:
        width = max(len(r["route"]) for r in rows)
        lines = [f"routes from: {origin}", f"envelope: {routes.envelope}", ""]
        for r in rows:
            mark = "*" if r["changed"] else " "
            line = f"{mark} {r['route']:<{width}}  {r['method']:<4} {r['path']}"
            if r["path"] != r["default"]:
                line += f"   (contract: {r['default']})"
            if r["fields"]:
                line += f"   fields: {r['fields']}"
            lines.append(line)
        changes = routes.to_toml()
        lines += ["", "* differs from the contract" if changes else
                  "nothing differs from the contract"]
        return "\n".join(lines)

    out.result({"source": routes.source, "origin": origin, "envelope": routes.envelope,
                "routes": rows, "changes": routes.changes()}, text)
    return 0


@command(
    "doctor", "check a service with calls that cost nothing: DNS, TLS, the key, the envelope, "
    "every path, the account endpoints, the clock and rate limits; suggests a routes file",
    arg("--base-url", dest="doctor_url", metavar="URL",
        help="the service to check (default: the global --base-url, QAVIX_BASE_URL, else the "
             "running sandbox, else the Qavix service)"),
    arg("--routes", metavar="FILE", help=_ROUTES_HELP),
    arg("--timeout", type=float, default=10.0, help="seconds per request (default 10)"),
)
def doctor(args: argparse.Namespace, out: Output) -> int:
    from .doctor import diagnose
    from .spec import DEFAULT_BASE_URL

    routes, origin = _routes(args)
    url = args.doctor_url or args.base_url or os.environ.get("QAVIX_BASE_URL")
    key = os.environ.get("QAVIX_API_KEY", "").strip()
    if not key:
        state = read_state()
        if state is None:
            raise ValidationError("no key: set QAVIX_API_KEY (or start 'qavix-lab sandbox' to "
                                  "check the sandbox)", where="QAVIX_API_KEY")
        if url and url.rstrip("/") != state.url.rstrip("/"):
            raise ValidationError(f"--base-url {url} needs QAVIX_API_KEY (the sandbox's key "
                                  f"is for {state.url})", where="--base-url")
        Output.note(f"checking the sandbox at {state.url} (process {state.pid})")
        url, key = state.url, state.api_key
    report = diagnose(url or DEFAULT_BASE_URL, key, routes, timeout=args.timeout)
    out.result({**report.to_json(), "routes_from": origin},
               lambda: f"routes from: {origin}\n" + report.text())
    return 0 if report.ok else 1


# --- parser and entry point ---------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    """Usage errors are one line and exit status 1, like every other error."""

    def error(self, message: str) -> Any:
        self.exit(1, f"{PROG}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description=DESCRIPTION,
                     epilog=f"state file: {state_path()}",
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", metavar="URL",
                        help="service URL, with QAVIX_API_KEY (default: QAVIX_BASE_URL, else "
                             "the Qavix service)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="log requests and retries on stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for cmd in COMMANDS:
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        for flags, options in cmd.arguments:
            p.add_argument(*flags, **options)
        p.add_argument("--json", action="store_true",
                       help="print one JSON document on stdout instead of text")
        p.set_defaults(run=cmd.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.run(args, Output(args.json)))
    except (QavixError, OSError) as exc:
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


def _one_line(exc: BaseException) -> str:
    return " ".join(redact(str(exc)).split())


if __name__ == "__main__":
    raise SystemExit(main())
