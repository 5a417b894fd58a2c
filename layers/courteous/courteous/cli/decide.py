"""`courteous decide`: the pure contact gate from the command line.

    courteous decide --kind payment_reminder --to +8613800138000 --at 2026-11-22T23:30:00+08:00

prints the decision (with --json, one JSON object): action, reason, not_before, zone.
Nothing is read from or written to AWS.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from courteous.cli.common import CliError, parse_instant, print_json


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "decide",
        help="what the contact gate would decide for one message",
        description="Run the contact gate's pure decision for one message.",
    )
    parser.add_argument("--kind", required=True, help="message kind, e.g. payment_reminder")
    parser.add_argument("--to", required=True, metavar="CONTACT", help="E.164 phone or e-mail")
    parser.add_argument("--tz", metavar="ZONE", help="the recipient's IANA zone, if known")
    parser.add_argument("--country", metavar="CC", help="shipping address country (ISO 3166)")
    parser.add_argument("--region", help="shipping address state/province code, e.g. FL")
    parser.add_argument("--shop", default="shop", help="shop id (default: shop)")
    parser.add_argument("--class", dest="message_class", help="override the kind's class")
    parser.add_argument("--at", metavar="ISO8601", help="the instant to decide at (default: now)")
    parser.add_argument("--not-before", metavar="ISO8601", help="the request's own not_before")
    parser.add_argument("--expires", metavar="ISO8601", help="the request's expires_at")
    parser.add_argument("--dedupe-key", help="the request's dedupe key")
    parser.add_argument(
        "--history", metavar="FILE", help='JSON list of earlier sends: [{"at": ..., "kind": ...}]'
    )
    parser.add_argument(
        "--policy",
        default="default",
        metavar="FILE_OR_PRESET",
        help="a preset (default, cn, us-tcpa, us-fl, fr) or a policy JSON file",
    )
    parser.add_argument("--opted-out", action="store_true", help="the recipient has opted out")
    parser.add_argument(
        "--no-consent",
        action="append",
        default=[],
        metavar="CLASS",
        help="the recipient has not consented to CLASS (repeatable)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Imported here so `courteous --help` stays fast.
    from courteous.clock import wall_clock
    from courteous.gate.decide import decide
    from courteous.gate.ledger_state import LedgerState
    from courteous.gate.policy import PolicyError, load_policy
    from courteous.messages import Channel, MessageClass, MessageRequest, Recipient

    kind = _kind(args.kind)
    at = parse_instant(args.at, name="--at") if args.at else wall_clock().replace(microsecond=0)
    try:
        policy = load_policy(args.policy)
    except PolicyError as exc:
        raise CliError(f"--policy: {exc}") from exc
    contact, channel = _contact(args.to)
    recipient = Recipient(
        shop_id=args.shop,
        phone=contact if channel is Channel.SMS else None,
        email=contact if channel is Channel.EMAIL else None,
        zone=_zone(args.tz) if args.tz else None,
        country=_country(args.country) if args.country else None,
        region=args.region,
    )
    classes = [_message_class(name) for name in args.no_consent]
    consent = {c: c not in classes for c in MessageClass}
    ledger = LedgerState(
        sends=_history(Path(args.history)) if args.history else (),
        opted_out=frozenset({channel}) if args.opted_out else frozenset(),
        consent=consent,
    )
    request = MessageRequest(
        kind=kind,
        message_class=_message_class(args.message_class) if args.message_class else None,
        channel=channel,
        recipient=recipient,
        created_at=at,
        not_before=parse_instant(args.not_before, name="--not-before") if args.not_before else None,
        expires_at=parse_instant(args.expires, name="--expires") if args.expires else None,
        dedupe_key=args.dedupe_key,
    )
    decision = decide(policy, ledger, request, at)
    output = {
        "action": decision.action.value,
        "reason": decision.reason.value,
        "detail": decision.detail,
        "not_before": decision.not_before.isoformat() if decision.not_before else None,
        "zone": decision.zones[0] if len(decision.zones) == 1 else decision.zone_label,
        "zones": list(decision.zones),
        "zone_source": decision.zone_source.value,
        "local_time": _local(at, decision.zones[0]),
        "kind": kind.value,
        "message_class": decision.message_class.value,
        "policy_version": decision.policy_version,
        "at": at.isoformat(),
    }
    if args.json:
        print_json(output)
    else:
        line = f"{output['action']} ({output['reason']})"
        if output["not_before"]:
            line += f" until {output['not_before']}"
        print(
            f"{line} — zone {output['zone']} from {output['zone_source']}, "
            f"policy {output['policy_version']}"
        )
    return 0


def _local(at: datetime, zone: str) -> str:
    from zoneinfo import ZoneInfo

    return at.astimezone(ZoneInfo(zone)).isoformat()


def _kind(text: str) -> Any:
    from courteous.messages import Kind

    try:
        return Kind(text)
    except ValueError as exc:
        known = ", ".join(k.value for k in Kind)
        raise CliError(f"--kind: unknown kind {text!r} (known: {known})") from exc


def _message_class(text: str) -> Any:
    from courteous.messages import MessageClass

    try:
        return MessageClass(text)
    except ValueError as exc:
        known = ", ".join(c.value for c in MessageClass)
        raise CliError(f"unknown message class {text!r} (known: {known})") from exc


def _contact(text: str) -> tuple[str, Any]:
    from courteous.messages import Channel
    from courteous.recipients.identity import InvalidContactError, normalise_contact

    try:
        contact = normalise_contact(text)
    except InvalidContactError as exc:
        raise CliError(f"--to: {exc}: {text!r}") from exc
    return contact, Channel.EMAIL if "@" in contact else Channel.SMS


def _zone(text: str) -> str:
    from courteous.recipients.zones import UnknownZoneError, check_zone

    try:
        return check_zone(text)
    except UnknownZoneError as exc:
        raise CliError(f"--tz: {exc}") from exc


def _country(text: str) -> str:
    code = text.strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise CliError(f"--country: not an ISO 3166 alpha-2 code: {text!r}")
    return code


def _history(path: Path) -> tuple[Any, ...]:
    from pydantic import ValidationError

    from courteous.gate.ledger_state import SentEntry
    from courteous.messages import KIND_CLASSES

    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise CliError(f"--history: cannot read {path}: {exc}") from exc
    if not isinstance(entries, list):
        raise CliError('--history: a JSON list of {"at": ..., "kind": ...} objects')
    sends = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or "at" not in entry or "kind" not in entry:
            raise CliError(f'--history: entry {index} needs "at" and "kind"')
        kind = _kind(str(entry["kind"]))
        try:
            sends.append(
                SentEntry(
                    request_id=f"history-{index}",
                    at=parse_instant(str(entry["at"]), name=f"--history entry {index}"),
                    kind=kind,
                    message_class=entry.get("class", KIND_CLASSES[kind]),
                )
            )
        except ValidationError as exc:
            raise CliError(f"--history: entry {index}: {exc.errors()[0]['msg']}") from exc
    return tuple(sends)
