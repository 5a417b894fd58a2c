"""`courteous serve [--port P]`: the webhook API on 127.0.0.1, on the local stack."""

from __future__ import annotations

import argparse
from typing import Any

from courteous.cli.common import CliError, parse_instant


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="the webhook API on 127.0.0.1, backed by the local stack",
        description=(
            "Post real platform webhooks with curl and watch the gate's decisions. Ctrl-C stops it."
        ),
    )
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument(
        "--shop", action="append", default=None, help="shop id to accept (repeatable)"
    )
    parser.add_argument("--secret", default="local-webhook-secret", help="webhook secret")
    parser.add_argument("--speed", type=float, default=1.0, help="virtual time per wall second")
    parser.add_argument("--at", help="start the virtual clock at this instant (ISO 8601)")
    parser.add_argument(
        "--realtime",
        action="store_true",
        help="use the machine's clock everywhere (schedules fire when really due)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        from courteous_local.serve import run_server
    except ImportError as exc:
        raise CliError("the local stack needs the development install (`make setup`)") from exc
    if args.speed <= 0:
        raise CliError("--speed must be positive")
    if not 0 <= args.port <= 65535:
        raise CliError("--port must be 0-65535")
    start = parse_instant(args.at, name="--at") if args.at else None
    if args.realtime and (args.at or args.speed != 1.0):
        raise CliError("--realtime runs on the machine's clock: no --at or --speed with it")
    try:
        run_server(
            args.port,
            tuple(args.shop or ["demo-shop"]),
            args.secret,
            args.speed,
            start,
            realtime=args.realtime,
        )
    except OSError as exc:
        raise CliError(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror}") from exc
    return 0
