"""`courteous console [--port P] [--scenario week]`: the operator's console in the
browser, on 127.0.0.1, over the local stack (the webhook API is served beside it, as
`courteous serve` does). `--scenario` replays a scenario of events/scenarios first."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from courteous.cli.common import CliError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "console",
        help="the operator's console in the browser, on the local stack",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=8766, help="0 picks a free port")
    parser.add_argument(
        "--scenario", help="replay this scenario first (a name in events/scenarios/ or a file)"
    )
    parser.add_argument(
        "--shop", action="append", default=None, help="shop id to accept webhooks for"
    )
    parser.add_argument("--secret", default="local-webhook-secret", help="webhook secret")
    parser.add_argument("--speed", type=float, default=1.0, help="virtual time per wall second")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        from courteous_local.console import run_console
    except ImportError as exc:
        raise CliError("the local stack needs the development install (`make setup`)") from exc
    from pydantic import ValidationError

    if args.speed <= 0:
        raise CliError("--speed must be positive")
    if not 0 <= args.port <= 65535:
        raise CliError("--port must be 0-65535")
    terminal = sys.stdout

    def say(line: str) -> None:
        print(line, file=terminal, flush=True)

    try:
        run_console(
            args.port,
            tuple(args.shop or ["demo-shop"]),
            args.secret,
            args.speed,
            args.scenario,
            say,
        )
    except FileNotFoundError as exc:
        raise CliError(f"--scenario: no such scenario: {exc.filename}") from exc
    except ValidationError as exc:
        raise CliError(f"--scenario: not a valid scenario: {exc.errors()[0]['msg']}") from exc
    except OSError as exc:
        raise CliError(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror}") from exc
    return 0
