"""``qavix-lab``: the sandbox, the catalog, TTS, tasks and the demo from a shell."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import QavixError


def _client(args: argparse.Namespace):  # noqa: ANN202 - a Client
    from .connection import connect

    return connect(base_url=args.base_url)


def cmd_sandbox(args: argparse.Namespace) -> int:
    from .sandbox import Sandbox, SandboxConfig
    from .sandbox.config import shuffled_paths

    keys = [args.api_key] if args.api_key else SandboxConfig().api_keys
    config = SandboxConfig(api_keys=keys, tts_seconds=args.tts_seconds,
                           rate_limit=args.rate_limit, link_ttl=args.link_ttl,
                           envelope=args.envelope, paths=shuffled_paths(args.shuffle_paths)
                           if args.shuffle_paths is not None else {})
    sandbox = Sandbox(config, host=args.host, port=args.port)
    print(f"Qavix sandbox listening on {sandbox.url}")
    print(f"  export QAVIX_BASE_URL={sandbox.url}")
    print(f"  export QAVIX_API_KEY={sandbox.api_key}")
    print(f"  OpenAPI document: {sandbox.app.world.origin}/openapi.json   (Ctrl-C to stop)")
    sys.stdout.flush()
    sandbox.serve()
    return 0


def cmd_voices(args: argparse.Namespace) -> int:
    import pandas as pd

    filters = {k: v for k, v in (("lang", args.lang), ("gender", args.gender),
                                 ("emotion", args.emotion), ("text", args.text)) if v}
    frame = _client(args).voices.frame(**filters)
    if args.json:
        print(frame.to_json(orient="records", date_format="iso", force_ascii=False))
        return 0
    columns = ["voice_id", "name", "lang", "gender_str", "age_range_str", "emotion_str",
               "hot_count"]
    with pd.option_context("display.width", 160, "display.max_rows", args.limit):
        print(frame[columns].head(args.limit).to_string(index=False))
    print(f"\n{len(frame)} voices")
    return 0


def cmd_tts(args: argparse.Namespace) -> int:
    speech = _client(args).tts.synthesize(args.text, args.voice, args.output,
                                          lang=args.lang, progress_bar=True)
    print(f"wrote {speech.path}")
    return 0


def cmd_task(args: argparse.Namespace) -> int:
    client = _client(args)
    handle = client.tts.task(args.id) if args.tts else client.tasks.handle(args.id)
    state = handle.wait(timeout=args.timeout, progress_bar=True) if args.wait else handle.refresh()
    print(json.dumps(state.to_dict(), default=str, indent=2, ensure_ascii=False))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    report = run_demo(Path(args.output), quick=args.quick)
    print(f"\nreport: {report}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qavix-lab", description=__doc__)
    parser.add_argument("--base-url", help="service URL (default: QAVIX_BASE_URL or the sandbox)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log requests and retries")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sandbox", help="run a Qavix-compatible sandbox server in the foreground")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--api-key", help="the key clients must send (default: a random one)")
    p.add_argument("--tts-seconds", type=float, default=2.0)
    p.add_argument("--rate-limit", type=float, help="requests per second per key")
    p.add_argument("--link-ttl", type=float, default=3600.0, help="download URL lifetime (s)")
    p.add_argument("--envelope", choices=("webresult", "v2"), default="webresult")
    p.add_argument("--shuffle-paths", type=int, metavar="SEED", help="serve on other paths")
    p.set_defaults(func=cmd_sandbox)

    p = sub.add_parser("voices", help="list the voice catalog")
    p.add_argument("--lang")
    p.add_argument("--gender")
    p.add_argument("--emotion")
    p.add_argument("--text", help="search names and remarks")
    p.add_argument("--limit", type=int, default=40)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_voices)

    p = sub.add_parser("tts", help="synthesize TEXT with a voice into a file")
    p.add_argument("text")
    p.add_argument("--voice", required=True, help="voice ID (see `qavix-lab voices`)")
    p.add_argument("--lang")
    p.add_argument("-o", "--output", help="output file (default: a temporary folder)")
    p.set_defaults(func=cmd_tts)

    p = sub.add_parser("task", help="show (or wait for) a task")
    p.add_argument("id")
    p.add_argument("--wait", action="store_true")
    p.add_argument("--tts", action="store_true", help="it is a TTS task")
    p.add_argument("--timeout", type=float, default=1800)
    p.set_defaults(func=cmd_task)

    p = sub.add_parser("demo", help="the full tour on the embedded sandbox, with an HTML report")
    p.add_argument("-o", "--output", default="qavix-lab-output", help="report folder")
    p.add_argument("--quick", action="store_true", help="skip the video steps")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args))
    except QavixError as exc:
        print(f"qavix-lab: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("qavix-lab: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"qavix-lab: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
