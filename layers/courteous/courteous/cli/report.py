"""`courteous report --shop S --day D [--json]` and `courteous today --shop S [--json]`.

`report`: what the gate decided for the shop on its calendar day D (in the shop's zone,
from its settings): counts by kind, action and reason, and the decisions per hour.
`today`: what goes out in the next 24 hours, per hour in the shop's zone: the flows'
timers (reminders, last calls, late-parcel checks, care) and messages held earlier.
Both read the gate's audit trail through its index by shop and time; against the
running local stack by default, or a deployed stack with `--stack-name`.
"""

from __future__ import annotations

import argparse
import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from courteous.cli.common import CliError, print_json
from courteous.cli.target import Target, add_target_arguments, open_target

_SHOP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def register(subparsers: Any) -> None:
    for name, helptext in (
        ("report", "a shop's day: decisions by kind, action and reason, and per hour"),
        ("today", "what goes out for a shop in the next 24 hours, per hour"),
    ):
        parser = subparsers.add_parser(
            name,
            help=helptext,
            description=__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        parser.add_argument("--shop", required=True, help="the shop id")
        if name == "report":
            parser.add_argument("--day", required=True, help="the shop's day, YYYY-MM-DD")
        parser.add_argument("--json", action="store_true", help="one JSON document")
        add_target_arguments(parser)
        parser.set_defaults(run=run_report if name == "report" else run_today)


def _shop(args: argparse.Namespace) -> str:
    if not _SHOP.match(args.shop):
        raise CliError(f"--shop: not a shop id: {args.shop[:40]!r}")
    return str(args.shop)


def _zone_and_policy(target: Target, shop: str) -> tuple[str, Any]:
    from courteous.flows.settings import ShopSettingsError
    from courteous.gate.policy import PolicyError
    from courteous.shops.config import ConfigStoreError, ShopConfig, shop_zone

    config = ShopConfig(target.client("ssm"))
    try:
        settings, policy = config.settings(shop), config.policy(shop)
        return shop_zone(settings, policy), policy
    except (ShopSettingsError, PolicyError, ValueError) as exc:
        raise CliError(f"{shop}: its stored configuration does not validate: {exc}") from exc
    except ConfigStoreError as exc:
        raise CliError(f"{exc} ({target.where})") from exc


def run_report(args: argparse.Namespace) -> int:
    from courteous.audit.report import build_report, day_bounds
    from courteous.audit.trail import AuditReadError, AuditTrail
    from courteous.audit.words import words

    shop = _shop(args)
    try:
        day = date.fromisoformat(args.day)
    except ValueError as exc:
        raise CliError(f"--day: not a date (YYYY-MM-DD): {args.day[:40]!r}") from exc
    with open_target(args) as target:
        zone, policy = _zone_and_policy(target, shop)
        start, end = day_bounds(day, zone)
        try:
            entries = AuditTrail(target.client("dynamodb"), target.gate_table).between(
                shop, start, end
            )
        except AuditReadError as exc:
            raise CliError(f"{exc} ({target.where})") from exc
    report = build_report(shop, day, zone, policy, entries)
    if args.json:
        print_json(report.as_json())
        return 0
    print(f"{shop} on {day:%a %d %b %Y} ({zone}), policy {report.policy_version}")
    print(
        f"{report.total} decisions: {report.actions['send']} sent, "
        f"{report.actions['defer']} held for later, {report.actions['suppress']} not sent"
    )
    if not report.total:
        return 0
    print()
    for row in report.counts:
        print(
            f"  {row.count:>5}  {words('kind', row.kind):<34} {words('action', row.action):<15}"
            f" {words('reason', row.reason)}"
        )
    print()
    width = 40
    for hour in report.hours:
        if not hour.total:
            continue
        bar = "#" * max(1, round(hour.total / report.peak * width))
        counts = ", ".join(
            f"{words('action', action)} {n}" for action, n in hour.counts.items() if n
        )
        print(f"  {hour.start:%H:%M}  {bar:<{width}} {hour.total:>4}  ({counts})")
    quiet_zones = [zone_row for zone_row in report.zone_rows if any(zone_row.quiet)]
    if quiet_zones:
        print()
        print("  quiet hours (service messages) in the recipients' zones, shop time:")
        for zone_row in quiet_zones:
            marks = "".join("." if q else " " for q in zone_row.quiet)
            print(f"  {zone_row.zone:<28} |{marks}|  {zone_row.recipients} recipient(s)")
    return 0


def run_today(args: argparse.Namespace) -> int:
    from courteous.audit.trail import AuditReadError, AuditTrail
    from courteous.audit.upcoming import TimerSchedules, UpcomingReadError, by_hour, upcoming
    from courteous.audit.words import words
    from courteous.recipients.zones import zones_label

    shop = _shop(args)
    with open_target(args) as target:
        zone, _ = _zone_and_policy(target, shop)
        now = _now(target)
        timers = (
            TimerSchedules(target.client("scheduler"), target.schedule_group)
            if target.schedule_group
            else None
        )
        try:
            items = upcoming(
                shop, now, AuditTrail(target.client("dynamodb"), target.gate_table), timers
            )
        except (AuditReadError, UpcomingReadError) as exc:
            raise CliError(f"{exc} ({target.where})") from exc
    if args.json:
        print_json(
            {
                "shop_id": shop,
                "zone": zone,
                "now": now.isoformat(),
                "items": [item.as_json() for item in items],
            }
        )
        return 0
    local_now = now.astimezone(ZoneInfo(zone))
    print(f"{shop}: the next 24 hours from {local_now:%a %d %b %H:%M} ({zone})")
    if not items:
        print("  nothing is planned or held")
        return 0
    for hour, group in by_hour(items, zone, now):
        print(f"  {hour:%a %H:00}  {len(group)}")
        for item in group:
            order = f" order {item.order_id}" if item.order_id else ""
            why = f" ({words('reason', item.reason)})" if item.reason else ""
            where = f" in {zones_label(item.zones)}" if item.zones else ""
            print(
                f"      {item.at.astimezone(ZoneInfo(zone)):%H:%M}  {words('kind', item.kind)}"
                f"{order}: {words('source', item.source)}{why}{where}"
            )
    return 0


def _now(target: Target) -> datetime:
    """The deployment's now: the local stack's virtual clock while it runs, else the wall."""
    from courteous import clock

    if target.virtual_now is not None:
        return target.virtual_now()
    return clock.now()
