"""`courteous` — the operators' command line.

Each sub-command lives in its own module exposing `register(subparsers)`; the module
is imported only when listed here, and heavy imports happen inside the command.
A bad argument exits with status 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from courteous.cli.common import CliError

# Sub-command modules, in the order `courteous --help` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "courteous.cli.decide",
    "courteous.cli.demo",
    "courteous.cli.why",
    "courteous.cli.templates",
    "courteous.cli.preview",
    "courteous.cli.eta",
    "courteous.cli.serve",
    "courteous.cli.console",
    "courteous.cli.shop",
    "courteous.cli.report",
    "courteous.cli.bench",
    "courteous.cli.webhook",
    "courteous.cli.customers",
    "courteous.cli.reviews",
    "courteous.cli.orders",
    "courteous.cli.segments",
)


class OneLineParser(argparse.ArgumentParser):
    """Argument errors as one line on stderr (exit 2), without the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="courteous",
        description="Order messaging for online shops that never harasses a customer.",
    )
    subparsers = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=OneLineParser
    )
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.run(args)
        sys.stdout.flush()
    except CliError as exc:
        print(f"courteous {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        # The reader left (`| head`): say so once, and keep the interpreter's final
        # flush from failing on the closed pipe a second time.
        with contextlib.suppress(OSError, ValueError):  # a stand-in stdout has no descriptor
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print(f"courteous {args.command}: output closed before it was all written", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return result


if __name__ == "__main__":  # pragma: no cover - `python -m courteous.cli`
    sys.exit(main())
