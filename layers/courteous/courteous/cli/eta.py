"""`courteous eta evaluate` and `courteous eta status`.

evaluate --history FILE.csv [--split 0.7 | --split-at DATE]: replays a shop's delivery
history as the deployed estimator would have lived it (each parcel promised at its
hand-over from the deliveries known by then, the level calibrated from the outcomes of
earlier promises) and scores the later part: on-time rate against the promised date,
median and 75th-percentile slack, the worst month, mean absolute error of the median
date, rows used and skipped (with why), coverage per fallback level, and the same
figures for the history's own `promised_at` when given.

status --shop S: the shop's record of promises kept and broken, by month, and the level
its next promise is read at (from the EtaTable).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from courteous.cli.common import CliError, parse_instant, print_json


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "eta",
        help="delivery estimates: evaluate on a history, a shop's status",
        description="Delivery estimates learned from a shop's own deliveries.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    evaluate = actions.add_parser(
        "evaluate",
        help="replay a history as deployed and score its later part",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    evaluate.add_argument("--history", required=True, type=Path, metavar="FILE.csv")
    split = evaluate.add_mutually_exclusive_group()
    split.add_argument("--split", type=float, help="share of rows that only warm up (0.7)")
    split.add_argument("--split-at", help="score the rows shipped from this instant on")
    evaluate.add_argument(
        "--confidence", type=float, help="a fixed quantile level instead of the calibrated one"
    )
    evaluate.add_argument("--target", type=float, help="on-time share calibrated for (0.96)")
    evaluate.add_argument("--step", type=float, help="calibration step per outcome (0.005)")
    evaluate.add_argument(
        "--calendar-days", action="store_true", help="count calendar days, not business days"
    )
    evaluate.add_argument(
        "--half-life", type=float, default=0.0, help="recency half-life in days (0: off)"
    )
    evaluate.add_argument(
        "--postcode-area", type=int, help="postcode characters naming an area (2; 0: off)"
    )
    evaluate.add_argument("--json", action="store_true", help="one JSON object")
    evaluate.set_defaults(run=run_evaluate)

    status = actions.add_parser(
        "status",
        help="a shop's on-time record and calibrated level",
        description="A shop's record of delivery promises kept, by month, and its level.",
    )
    status.add_argument("--shop", required=True)
    status.add_argument("--table", help="the EtaTable's name (default: $ETA_TABLE_NAME)")
    status.add_argument("--months", type=int, default=6, help="months shown (6)")
    status.add_argument("--json", action="store_true", help="one JSON object")
    status.set_defaults(run=run_status)


def _config(args: argparse.Namespace) -> Any:
    from courteous.eta.calibration import Calibration
    from courteous.eta.model import EtaConfig

    if args.confidence is not None and not 0.5 <= args.confidence <= 1.0:
        raise CliError("--confidence must be in [0.5, 1]")
    if args.postcode_area is not None and not 0 <= args.postcode_area <= 10:
        raise CliError("--postcode-area must be between 0 and 10")
    if args.half_life < 0:
        raise CliError("--half-life must not be negative")
    defaults = Calibration()
    try:
        calibration = Calibration(
            target=args.target if args.target is not None else defaults.target,
            step=args.step if args.step is not None else defaults.step,
        )
    except ValueError as exc:
        raise CliError(f"--target/--step: {exc}") from exc
    return EtaConfig(
        calibration=calibration,
        fixed_level=args.confidence,
        business_days=not args.calendar_days,
        half_life_days=args.half_life,
        postcode_area=(
            args.postcode_area if args.postcode_area is not None else EtaConfig().postcode_area
        ),
    )


def run_evaluate(args: argparse.Namespace) -> int:
    from courteous.eta.evaluate import evaluate, read_history

    if args.split is not None and not 0.0 < args.split < 1.0:
        raise CliError("--split must be between 0 and 1")
    config = _config(args)
    split_at = parse_instant(args.split_at, name="--split-at") if args.split_at else None
    try:
        with args.history.open(encoding="utf-8-sig", newline="") as handle:
            rows, skipped = read_history(handle)
    except FileNotFoundError as exc:
        raise CliError(f"--history: no such file: {args.history}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise CliError(f"--history: {exc}") from exc
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
    if not result.get("rows"):
        # Too few deliveries to score a promise: say so rather than print empty figures.
        print(
            "no estimate could be scored: the history is too short to learn from "
            f"(skipped: {result.get('skipped_because', {})})"
        )
        return 0
    print(
        f"on time {result['on_time_rate']}, median slack {result['median_slack_days']} days "
        f"(75th percentile {result['p75_slack_days']}), worst month "
        f"{result['worst_month_on_time_rate']}, mean abs error "
        f"{result['mean_abs_error_days']} days over {result['rows']} rows"
    )
    print(f"coverage: {result['coverage']}; skipped: {result['skipped_because']}")
    if "promised_at" in result:
        baseline = result["promised_at"]
        print(
            f"history's own promise: on time {baseline['on_time_rate']}, "
            f"median slack {baseline['median_slack_days']} days "
            f"(75th percentile {baseline['p75_slack_days']}), "
            f"worst month {baseline['worst_month_on_time_rate']}"
        )
    return 0


def run_status(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError

    from courteous import clock
    from courteous.eta.status import shop_status
    from courteous.eta.store import DynamoEtaStore, EtaStoreError

    table = args.table or os.environ.get("ETA_TABLE_NAME")
    if not table:
        raise CliError("--table is required (or set ETA_TABLE_NAME)")
    if not 1 <= args.months <= 60:
        raise CliError("--months must be between 1 and 60")
    import boto3  # here, not at import time: no client is built before it is needed

    try:
        store = DynamoEtaStore(boto3.client("dynamodb"), table)
        status = shop_status(store, args.shop, clock.now().date(), months=args.months)
    except (EtaStoreError, BotoCoreError) as exc:
        raise CliError(f"cannot read the estimates of {args.shop}: {exc}", exit_code=1) from exc
    if args.json:
        print_json(status.as_json())
        return 0
    rate = "no outcome yet" if status.on_time_rate is None else f"{status.on_time_rate:.1%}"
    print(
        f"{status.shop_id}: {status.promises} promises with a known outcome, {status.late} late "
        f"(on time {rate}, target {status.target:.0%}); next promises read at the "
        f"{status.level:.3f} quantile"
    )
    for month in status.months:
        shown = "-" if month.on_time_rate is None else f"{month.on_time_rate:.1%}"
        print(f"  {month.month}  {month.promises:6d} promises  {month.late:5d} late  {shown}")
    return 0


__all__ = ["register"]
