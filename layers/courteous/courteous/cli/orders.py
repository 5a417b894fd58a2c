"""`courteous orders import FILE.csv --shop S`: a shop's past orders into its facts.

Reads a Shopify orders export, a WooCommerce orders export (the Customer / Order /
Coupon Export extension's default formats) or the canonical orders CSV, told apart by
the header row (or `--format`). The file is streamed: one order's rows at a time, 50
orders per write, whatever its size. Each bad order is reported on stderr with its line
number and column, and the good ones are kept; importing the same file again changes
nothing. Against the local stack by default, or a deployed stack (`--stack-name`) or
table (`--table`). Exit 0 when every order was imported, 1 when some were rejected,
2 when the file cannot be read at all.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from courteous.cli.audience import add_target_arguments, audience_target, check_shop
from courteous.cli.common import CliError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "orders",
        help="a shop's past orders (imports)",
        description="Past orders of a shop.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    load = actions.add_parser(
        "import",
        help="import an orders export (Shopify, WooCommerce or the canonical CSV)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    load.add_argument("file", type=Path, metavar="FILE.csv")
    load.add_argument(
        "--format", choices=("shopify", "woocommerce", "canonical"), help="default: by header"
    )
    load.add_argument(
        "--zone",
        default="UTC",
        help="the store's IANA zone, for WooCommerce dates (written without an offset)",
    )
    load.add_argument("--dry-run", action="store_true", help="check the file, write nothing")
    load.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_target_arguments(load)
    load.set_defaults(run=run_import)


class _Counting(io.RawIOBase):
    """The file's bytes, counted as they are read (for the progress bar)."""

    def __init__(self, raw: BinaryIO, seen: Any) -> None:
        self._raw = raw
        self._seen = seen

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        self._seen(count or 0)
        return int(count or 0)


def run_import(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from tqdm import tqdm

    from courteous.audiences.imports import HeaderError, Imported, RowError, read_orders
    from courteous.audiences.models import OrderFact, ProfileFact
    from courteous.audiences.store import ApplyResult, FactsStore, FactsStoreError

    shop = check_shop(args.shop)
    try:
        ZoneInfo(args.zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CliError(f"--zone: not an IANA time zone: {args.zone!r}") from exc
    try:
        size = args.file.stat().st_size
        raw = args.file.open("rb")
    except OSError as exc:
        raise CliError(f"{args.file}: {exc.strerror}") from exc
    bar = tqdm(
        total=size,
        unit="B",
        unit_scale=True,
        desc=args.file.name,
        file=sys.stderr,
        disable=True if args.no_progress else None,
    )
    counts = {"orders": 0, "rejected": 0, "notes": 0}
    line = {"at": 1}

    def say(message: object) -> None:
        tqdm.write(str(message), file=sys.stderr)

    def words(items: Iterator[Imported | RowError]) -> Iterator[OrderFact | ProfileFact]:
        for item in items:
            if isinstance(item, RowError):
                counts["rejected"] += 1
                say(item)
                continue
            counts["orders"] += 1
            line["at"] = item.line
            for note in item.notes:
                counts["notes"] += 1
                say(f"{note} (order kept)")
            yield from item.words

    result = ApplyResult()
    with raw, bar:
        text = io.TextIOWrapper(
            io.BufferedReader(_Counting(raw, bar.update)), encoding="utf-8-sig", newline=""
        )
        try:
            items = read_orders(text, shop, args.format, args.zone)
            if args.dry_run:
                for _ in words(items):
                    pass
                where = "nothing written (dry run)"
            else:
                with audience_target(args) as target:
                    store = FactsStore(target.client, target.table, target.contact_key)
                    result = store.apply(words(items))
                where = target.where
        except HeaderError as exc:
            raise CliError(f"{args.file}: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise CliError(f"{args.file}: not UTF-8 after line {line['at']}") from exc
        except FactsStoreError as exc:
            raise CliError(
                f"stopped near line {line['at']}: {exc}; the orders before it are imported "
                "and importing the file again is safe",
                exit_code=1,
            ) from exc
    for reason in result.unnamed:
        say(reason)
    print(
        f"{counts['orders']} orders read, {result.applied} changes written, "
        f"{result.unchanged} already known; rejected {counts['rejected']}, "
        f"{counts['notes']} contacts set aside ({where})"
    )
    return 1 if counts["rejected"] else 0
