"""`courteous bench [--quick] [--json]`: speed, cost and exactness, measured side by side."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from courteous.cli.common import CliError, print_json


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="benchmarks: AWS calls and cost per message, throughput, cold imports, caps",
        description=__doc__,
    )
    parser.add_argument("--quick", action="store_true", help="fewer rounds (under a minute)")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        from courteous_local.bench import format_table, run_bench
    except ImportError as exc:
        raise CliError("the benchmarks need the development install (`make setup`)") from exc

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    result = run_bench(args.quick, progress)
    if args.json:
        print_json(result)
    else:
        print(format_table(result))
    return 0
