"""``python -m qavix_lab.sandbox [--envelope v2] [--shuffle-paths SEED] [--paths FILE.json]``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .config import SandboxConfig, shuffled_paths
from .runner import Sandbox


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Where the sandbox listens, its key, its envelope and its paths."""
    parser.add_argument("--port", type=int, default=8765, help="on 127.0.0.1")
    parser.add_argument("--api-key", help="the key clients must send (default: a random one)")
    parser.add_argument("--envelope", choices=("webresult", "v2"), default="webresult",
                        help="the response format: the reference's WebResult or success/data")
    routes = parser.add_mutually_exclusive_group()
    routes.add_argument("--shuffle-paths", type=int, metavar="SEED",
                        help="serve every operation on other paths (a service unlike our guess)")
    routes.add_argument("--paths", type=Path, metavar="FILE.json",
                        help='operation paths to serve: {"voices.list": "/v2/voices", ...}')


def config_from(args: argparse.Namespace) -> SandboxConfig:
    paths: dict[str, str] = {}
    if args.shuffle_paths is not None:
        paths = shuffled_paths(args.shuffle_paths)
    elif args.paths is not None:
        paths = json.loads(args.paths.read_text(encoding="utf-8"))
    config = SandboxConfig(envelope=args.envelope, paths=paths)
    if args.api_key:
        config.api_keys = [args.api_key]
    return config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qavix_lab.sandbox",
                                     description="a Qavix-compatible server on loopback")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        config = config_from(args)
    except (OSError, ValueError) as exc:  # a bad paths file: say what and where
        parser.error(str(exc))
    sandbox = Sandbox(config, port=args.port)
    print(f"Qavix sandbox ({config.envelope} envelope) on {sandbox.url}, Ctrl-C to stop\n"
          f"  export QAVIX_BASE_URL={sandbox.url} QAVIX_API_KEY={sandbox.api_key}", flush=True)
    sandbox.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
