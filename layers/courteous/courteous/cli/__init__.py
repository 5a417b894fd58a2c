"""`courteous` — the operators' command line.

Each sub-command lives in its own module exposing `register(subparsers)`; the module
is imported only when listed here, and heavy imports happen inside the command.
A bad argument exits with status 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from courteous.cli.common import CliError

# Sub-command modules, in the order `courteous --help` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "courteous.cli.decide",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="courteous",
        description="Order messaging for online shops that never harasses a customer.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.run(args)
    except CliError as exc:
        print(f"courteous {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    return result


if __name__ == "__main__":  # pragma: no cover - `python -m courteous.cli`
    sys.exit(main())
