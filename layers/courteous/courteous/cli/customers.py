"""`courteous customers import FILE.csv --shop SHOP`: bulk-load customer profiles.

Birthdays, zones and consent are not in order webhooks; shops export them from their
CRM. The columns are documented in `courteous.customers.csv_import` (and by
`courteous customers import --help`). Good rows are written (merged into existing
profiles); each bad row is reported on stderr with its line number and column.
Exits 0 when every row was imported, 1 when some rows were rejected, 2 for a file
that cannot be read at all. `--dry-run` checks the file without writing.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Any

from courteous.cli.common import CliError

_SHOP_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_COLUMNS_HELP = (
    "columns: customer_id (required), email, phone, first_name, last_name, locale, zone, "
    "birthday (YYYY-MM-DD or MM-DD), member_tier, country, region, email_marketing, "
    "email_service, sms_marketing, sms_service (yes/no; empty = unknown)"
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "customers",
        help="customer profiles (birthdays, zones, consent)",
        description="Manage customer profiles.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    load = actions.add_parser(
        "import",
        help="import profiles from a CSV file",
        description="Import customer profiles from a UTF-8 CSV file with a header row.",
        epilog=_COLUMNS_HELP,
    )
    load.add_argument("file", type=Path, metavar="FILE.csv")
    load.add_argument("--shop", required=True, help="the shop the customers belong to")
    load.add_argument("--table", help="the CustomerTable's name (default: $CUSTOMER_TABLE_NAME)")
    load.add_argument("--dry-run", action="store_true", help="check the file, write nothing")
    load.set_defaults(run=run_import)


def run_import(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from courteous.clock import now
    from courteous.customers.csv_import import HeaderError, read_profiles_from_bytes
    from courteous.customers.store import CustomerStoreError

    if not _SHOP_ID.match(args.shop):
        raise CliError(f"--shop: not a shop id: {args.shop!r}")
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise CliError(f"{args.file}: {exc.strerror}") from exc
    try:
        report = read_profiles_from_bytes(data)
    except HeaderError as exc:
        raise CliError(f"{args.file}: {exc}") from exc
    errors = list(report.errors)
    imported = 0
    if not args.dry_run and report.profiles:
        from botocore.exceptions import BotoCoreError, NoCredentialsError, NoRegionError

        try:
            store = _store(args)
        except NoRegionError as exc:
            raise CliError("no AWS region: set AWS_DEFAULT_REGION or configure a profile") from exc
        at = now()
        for line, profile in report.profiles:
            try:
                store.put(args.shop, profile, at)
            except NoCredentialsError as exc:
                raise CliError(
                    "no AWS credentials: configure a profile or set AWS_PROFILE "
                    f"(nothing imported from line {line} on)"
                ) from exc
            except BotoCoreError as exc:
                raise CliError(f"stopped at line {line}: {exc}") from exc
            except (CustomerStoreError, ValidationError) as exc:
                raise CliError(f"stopped at line {line}: {exc}") from exc
            imported += 1
    for error in sorted(errors, key=lambda e: e.line):
        print(error, file=sys.stderr)
    verb = "would import" if args.dry_run else "imported"
    count = len(report.profiles) if args.dry_run else imported
    print(f"{verb} {count} profiles, rejected {len(errors)} rows")
    return 1 if errors else 0


def _store(args: argparse.Namespace) -> Any:
    from courteous.customers.settings import CustomerSettings, build_store

    table = args.table or os.environ.get("CUSTOMER_TABLE_NAME")
    if not table:
        raise CliError("--table is required (or set CUSTOMER_TABLE_NAME)")
    from pydantic import ValidationError

    try:
        settings = CustomerSettings(customer_table_name=table)
    except ValidationError as exc:
        raise CliError(f"--table: not a table name: {table[:60]!r}") from exc
    return build_store(settings)
