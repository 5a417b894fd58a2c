"""`courteous reviews import|report|evaluate`: reviews in, the weekly report, the benchmark.

- `import FILE.csv --shop S [--zone Z] [--language L] [--bus NAME] [--dry-run]`: each
  row becomes a `ReviewPosted` event on the bus, read by the reviews function like one
  from a webhook (columns: `courteous.reviews.csv_import`; Olist's export is read as
  is). Exits 0 when every row was imported, 1 when some were rejected, 2 for a file
  that cannot be read at all.
- `report --shop S [--weeks N] [--table T] [--json]`: complaints per aspect and ISO week
  (stated and hidden) with examples, from the ReviewTable.
- `evaluate --reviews FILE.csv [--labels FILE.csv] [--json]`: fits the reading on the
  declared training part of a rated review export and scores the rest (AUC, and
  hidden-complaint precision and recall on a labelled set).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Any

from courteous.cli.common import CliError, print_json

_SHOP_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "reviews",
        help="reviews: import, weekly complaint report, evaluate the reading",
        description="Reviews read for what they say.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    load = actions.add_parser("import", help="post reviews from a CSV export to the bus")
    load.add_argument("file", type=Path, metavar="FILE.csv")
    load.add_argument("--shop", required=True, help="the shop the reviews belong to")
    load.add_argument(
        "--zone", help="IANA zone of instants without an offset (Olist: America/Sao_Paulo)"
    )
    load.add_argument("--language", help="BCP 47 tag of rows that name none, e.g. pt-BR")
    load.add_argument("--bus", help="the event bus (default: $EVENT_BUS_NAME)")
    load.add_argument("--dry-run", action="store_true", help="check the file, post nothing")
    load.set_defaults(run=run_import)

    report = actions.add_parser("report", help="complaints per aspect and week, with examples")
    report.add_argument("--shop", required=True)
    report.add_argument("--weeks", type=int, default=4, help="how many weeks back (default 4)")
    report.add_argument("--table", help="the ReviewTable (default: $REVIEW_TABLE_NAME)")
    report.add_argument("--json", action="store_true", help="one JSON object")
    report.set_defaults(run=run_report)

    evaluate = actions.add_parser("evaluate", help="score the reading on a rated export")
    evaluate.add_argument("--reviews", required=True, type=Path, metavar="FILE.csv")
    evaluate.add_argument("--labels", type=Path, metavar="FILE.csv", help="hidden-complaint labels")
    evaluate.add_argument("--json", action="store_true", help="one JSON object")
    evaluate.set_defaults(run=run_evaluate)


def _shop(value: str) -> str:
    if not _SHOP_ID.match(value):
        raise CliError(f"--shop: not a shop id: {value!r}")
    return value


def run_import(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from courteous.errors import RetryableError
    from courteous.reviews.csv_import import HeaderError, read_reviews_from_bytes

    shop = _shop(args.shop)
    if args.zone:
        try:
            ZoneInfo(args.zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise CliError(f"--zone: not an IANA time zone: {args.zone!r}") from exc
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise CliError(f"{args.file}: {exc.strerror}") from exc
    try:
        report = read_reviews_from_bytes(data, shop, zone=args.zone, language=args.language)
    except HeaderError as exc:
        raise CliError(f"{args.file}: {exc}") from exc
    posted = 0
    if not args.dry_run and report.reviews:
        publisher = _publisher(args)
        events = [review for _, review in report.reviews]
        for start in range(0, len(events), 100):
            chunk = events[start : start + 100]
            try:
                publisher.publish(chunk)
            except RetryableError as exc:
                raise CliError(
                    f"stopped after {posted} reviews (line {report.reviews[start][0]}): {exc}", 1
                ) from exc
            posted += len(chunk)
    for error in sorted(report.errors, key=lambda e: e.line):
        print(error, file=sys.stderr)
    verb = "would post" if args.dry_run else "posted"
    count = len(report.reviews) if args.dry_run else posted
    print(f"{verb} {count} reviews ({report.shape} columns), rejected {len(report.errors)} rows")
    return 1 if report.errors else 0


def _publisher(args: argparse.Namespace) -> Any:
    import boto3

    from courteous.ingest.publisher import EventPublisher

    bus = args.bus or os.environ.get("EVENT_BUS_NAME")
    if not bus:
        raise CliError("--bus is required (or set EVENT_BUS_NAME)")
    return EventPublisher(boto3.client("events"), bus)


def run_report(args: argparse.Namespace) -> int:
    import boto3

    from courteous.clock import now
    from courteous.reviews.report import build_report, last_weeks, render_text
    from courteous.reviews.store import ReviewStore, ReviewStoreError

    shop = _shop(args.shop)
    if not 1 <= args.weeks <= 104:
        raise CliError("--weeks must be between 1 and 104")
    table = args.table or os.environ.get("REVIEW_TABLE_NAME")
    if not table:
        raise CliError("--table is required (or set REVIEW_TABLE_NAME)")
    store = ReviewStore(boto3.client("dynamodb"), table)
    try:
        report = build_report(store, shop, last_weeks(now(), args.weeks))
    except ReviewStoreError as exc:
        raise CliError(f"cannot read {table}: {exc}", 1) from exc
    if args.json:
        print_json(report.as_dict())
    else:
        print(render_text(report))
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    from courteous.reviews.csv_import import HeaderError
    from courteous.reviews.evaluate import evaluate, read_labels, read_olist
    from courteous.reviews.reading import shipped_weights

    try:
        reviews = read_olist(args.reviews)
        labels = read_labels(args.labels) if args.labels else None
    except FileNotFoundError as exc:
        raise CliError(f"no such file: {exc.filename}") from exc
    except (HeaderError, KeyError, ValueError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read the reviews or labels: {exc}") from exc
    result = evaluate(reviews, labels, shipped=shipped_weights())
    if args.json:
        print_json(result)
        return 0
    print(
        f"AUC (4-5 vs 1-2 stars) on the scored part ({result['scored_part']} reviews): "
        f"{result['auc']} with the title, {result['auc_message_only']} message only; "
        f"plain lexicon {result['auc_lexicon_baseline']} "
        f"({result['auc_lexicon_baseline_with_title']} with the title)"
    )
    print(f"weights fitted on the training part ({result['training_part']}): {result['weights']}")
    if "auc_shipped_weights" in result:
        print(f"AUC with the shipped weights: {result['auc_shipped_weights']}")
    hidden = result.get("hidden_complaints")
    if hidden:
        print(
            f"hidden complaints in 4-5 star reviews: precision {hidden['precision']}, "
            f"recall {hidden['recall']} ({hidden['true_positives']} of {hidden['found']} found "
            f"are labelled, {hidden['labelled_hidden']} labelled among {hidden['labelled']})"
        )
    return 0
