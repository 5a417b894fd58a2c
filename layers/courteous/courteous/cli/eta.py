"""`courteous eta evaluate --history FILE.csv [--split 0.7 | --split-at DATE] [--confidence Q]`.

Trains the delivery estimator on the earlier part of a shop's history (by `shipped_at`)
and scores the later part: on-time rate against the promised date, median slack, mean
absolute error of the median date, rows used and skipped (with why), coverage per
fallback level, and the same figures for the history's own `promised_at` when given.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from courteous.cli.common import CliError, parse_instant, print_json


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "eta",
        help="delivery estimates: evaluate on a delivery history",
        description="Delivery estimates learned from a shop's own deliveries.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    evaluate = actions.add_parser(
        "evaluate",
        help="train on the past part of a history, score the rest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    evaluate.add_argument("--history", required=True, type=Path, metavar="FILE.csv")
    split = evaluate.add_mutually_exclusive_group()
    split.add_argument("--split", type=float, help="share of rows to train on (default 0.7)")
    split.add_argument("--split-at", help="train on rows shipped before this instant")
    evaluate.add_argument("--confidence", type=float, help="quantile promised (default 0.88)")
    evaluate.add_argument(
        "--calendar-days", action="store_true", help="count calendar days, not business days"
    )
    evaluate.add_argument(
        "--half-life", type=float, default=0.0, help="recency half-life in days (0: off)"
    )
    evaluate.add_argument("--json", action="store_true", help="one JSON object")
    evaluate.set_defaults(run=run_evaluate)


def run_evaluate(args: argparse.Namespace) -> int:
    from courteous.eta.evaluate import evaluate, read_history
    from courteous.eta.model import EtaConfig

    if args.split is not None and not 0.0 < args.split < 1.0:
        raise CliError("--split must be between 0 and 1")
    if args.confidence is not None and not 0.5 <= args.confidence < 1.0:
        raise CliError("--confidence must be in [0.5, 1)")
    split_at = parse_instant(args.split_at, name="--split-at") if args.split_at else None
    try:
        with args.history.open(encoding="utf-8-sig", newline="") as handle:
            rows, skipped = read_history(handle)
    except FileNotFoundError as exc:
        raise CliError(f"--history: no such file: {args.history}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise CliError(f"--history: {exc}") from exc
    config = EtaConfig(
        confidence=args.confidence or EtaConfig().confidence,
        business_days=not args.calendar_days,
        half_life_days=args.half_life,
    )
    result = evaluate(
        rows,
        skipped,
        split=None if split_at else (args.split or 0.7),
        split_at=split_at,
        config=config,
    )
    if args.json:
        print_json(result)
        return 0
    print(
        f"on time {result['on_time_rate']}, median slack {result['median_slack_days']} days, "
        f"mean abs error {result['mean_abs_error_days']} days over {result['rows']} rows"
    )
    print(f"coverage: {result['coverage']}; skipped: {result['skipped_because']}")
    if "promised_at" in result:
        baseline = result["promised_at"]
        print(
            f"history's own promise: on time {baseline['on_time_rate']}, "
            f"median slack {baseline['median_slack_days']} days"
        )
    return 0
