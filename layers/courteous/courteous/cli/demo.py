"""`courteous demo`: a week at five shops, replayed through the local stack in seconds.

Starts the local stack (DynamoDB Local and moto's server on 127.0.0.1), posts the
scenario's webhooks as the shops' platforms would, runs the virtual clock through the
week, and prints what the gate decided in each recipient's local time, a summary, and
an HTML report. `--json` prints the decisions as one JSON list instead.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from courteous.cli.common import CliError, print_json


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="replay a multi-day scenario on the local stack and show every decision",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--scenario", default="week", help="a name in events/scenarios/ or a JSON file"
    )
    parser.add_argument(
        "--report",
        type=Path,
        default=Path(".courteous") / "demo-report.html",
        help="where to write the HTML report",
    )
    parser.add_argument("--json", action="store_true", help="the decisions as one JSON list")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        from courteous_local.demo import (
            decisions_json,
            load_scenario,
            run_demo,
            segment_lines,
            timeline,
        )
    except ImportError as exc:
        raise CliError("the local stack needs the development install (`make setup`)") from exc
    from pydantic import ValidationError

    try:
        scenario = load_scenario(args.scenario)
    except FileNotFoundError as exc:
        raise CliError(f"--scenario: no such scenario: {exc.filename}") from exc
    except ValidationError as exc:
        raise CliError(f"--scenario: not a valid scenario: {exc.errors()[0]['msg']}") from exc

    stdout, stderr = sys.stdout, sys.stderr  # bound now: the run sends stray prints to the log

    def progress(line: str) -> None:
        print(line, file=stderr, flush=True)

    def say(line: str) -> None:
        print(line, file=stderr if args.json else stdout, flush=True)

    log_path = args.report.parent / "demo-functions.log"
    # Both files are written at the end of the run: find out now that they can be.
    for path in (args.report, log_path):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8"):
                pass
        except OSError as exc:
            raise CliError(f"--report: cannot write {path}: {exc.strerror or exc}") from exc
    progress(f"{scenario.name}: {scenario.start:%a %d %b} to {scenario.end:%a %d %b} (UTC)")
    result = run_demo(
        scenario,
        state_root=Path.cwd(),
        report_path=args.report,
        say=say,
        progress=progress,
        log_path=log_path,
    )
    if args.json:
        print_json(decisions_json(result))
    else:
        print()
        print("What the gate decided (UTC, then the recipient's local time):")
        for line in timeline(result):
            print(line)
        print()
        print("Each customer's segment after the week (facts from the order events, RFM from")
        print("the stack's own daily recompute):")
        for line in segment_lines(result):
            print(line)
        print()
        for line in result.summary():
            print(line)
        for failure in result.failures:
            print(f"  failure: {failure}")
        if result.report is not None:
            print(f"report: {result.report}")
        print(f"the functions' own logs: {log_path}")
        print("ask why for anyone: courteous why --to +8613800138000")
    return 1 if result.quiet_hour_sends() else 0
