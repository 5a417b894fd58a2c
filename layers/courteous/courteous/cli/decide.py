"""`courteous decide`: the pure contact gate from the command line.

    courteous decide --kind payment_reminder --to +8613800138000 --at 2026-11-22T23:30:00+08:00

prints the decision (with --json, one JSON object): action, reason, not_before, zone.
Nothing is read from or written to AWS. The recipient's consent is unknown unless the
command states it (`--consent CLASS`, `--no-consent CLASS`): service messages about an
order are implied by the order, marketing needs a recorded yes. The request id (which
places a deferral within the morning's spread) is derived from the inputs unless
`--request-id` gives one, so the same command always answers the same. Every bad input
is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from courteous.cli.common import CliError, parse_instant, print_json

# Instants the gate can reason about: its searches run a year and more either side.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
HISTORY_FILE_MAX_BYTES = 10_000_000
_SHOP_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")


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
        "--request-id",
        metavar="ID",
        help="the request's id (default: derived from the other inputs, so stable)",
    )
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
        "--consent",
        action="append",
        default=[],
        metavar="CLASS",
        help="the recipient has said yes to CLASS messages (repeatable)",
    )
    parser.add_argument(
        "--no-consent",
        action="append",
        default=[],
        metavar="CLASS",
        help="the recipient has said no to CLASS messages (repeatable)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Imported here so `courteous --help` stays fast.
    from pydantic import ValidationError

    from courteous.clock import wall_clock
    from courteous.gate.decide import decide
    from courteous.gate.ledger_state import LedgerState
    from courteous.gate.policy import PolicyError, load_policy
    from courteous.messages import Channel, MessageRequest, Recipient

    kind = _kind(args.kind, "--kind")
    at = _instant(args.at, "--at") if args.at is not None else wall_clock().replace(microsecond=0)
    try:
        policy = load_policy(args.policy)
    except PolicyError as exc:
        raise CliError(f"--policy: {exc}") from exc
    contact, channel = _contact(args.to)
    consent = _consent(args.consent, args.no_consent)
    not_before = _instant(args.not_before, "--not-before") if args.not_before is not None else None
    expires_at = _instant(args.expires, "--expires") if args.expires is not None else None
    fields = {
        "shop_id": _shop(args.shop),
        "kind": kind.value,
        "contact": contact,
        "at": at.isoformat(),
        "not_before": not_before.isoformat() if not_before else None,
        "expires_at": expires_at.isoformat() if expires_at else None,
        "dedupe_key": _text(args.dedupe_key, "--dedupe-key"),
        "class": args.message_class,
    }
    try:
        recipient = Recipient(
            shop_id=fields["shop_id"],
            phone=contact if channel is Channel.SMS else None,
            email=contact if channel is Channel.EMAIL else None,
            zone=_zone(args.tz) if args.tz is not None else None,
            country=_country(args.country) if args.country is not None else None,
            region=_text(args.region, "--region"),
        )
        request = MessageRequest(
            request_id=_request_id(args.request_id, fields),
            kind=kind,
            message_class=(
                _message_class(args.message_class, "--class")
                if args.message_class is not None
                else None
            ),
            channel=channel,
            recipient=recipient,
            created_at=at,
            not_before=not_before,
            expires_at=expires_at,
            dedupe_key=fields["dedupe_key"],
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "request"
        raise CliError(f"{field}: {error['msg']}") from exc
    ledger = LedgerState(
        sends=_history(Path(args.history)) if args.history is not None else (),
        opted_out=frozenset({channel}) if args.opted_out else frozenset(),
        consent=consent,
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
        "request_id": request.request_id,
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


def _instant(text: str, name: str) -> datetime:
    if not text.strip():
        raise CliError(f"{name}: empty; give an ISO 8601 instant such as 2026-11-22T23:30:00Z")
    value = parse_instant(text, name=name)
    try:
        in_range = EARLIEST <= value < LATEST
    except OverflowError:  # an offset that pushes the instant out of datetime's range
        in_range = False
    if not in_range:
        raise CliError(f"{name}: {text!r} is outside the years 1900 to 2999")
    return value


def _text(value: str | None, name: str) -> str | None:
    if value is not None and not value.strip():
        raise CliError(f"{name}: empty")
    return value


def _shop(text: str) -> str:
    if not _SHOP_ID.match(text):
        raise CliError(
            f"--shop: 1 to 128 letters, digits and . _ : - (starting with a letter or digit): "
            f"{text[:40]!r}"
        )
    return text


def _request_id(given: str | None, fields: dict[str, Any]) -> str:
    if given is not None:
        if not 8 <= len(given) <= 128 or not given.isprintable() or given.strip() != given:
            raise CliError(f"--request-id: 8 to 128 printable characters: {given[:40]!r}")
        return given
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def _kind(text: str, name: str) -> Any:
    from courteous.messages import Kind

    try:
        return Kind(text)
    except ValueError as exc:
        known = ", ".join(k.value for k in Kind)
        raise CliError(f"{name}: unknown kind {text[:40]!r} (known: {known})") from exc


def _message_class(text: str, name: str) -> Any:
    from courteous.messages import MessageClass

    try:
        return MessageClass(text)
    except ValueError as exc:
        known = ", ".join(c.value for c in MessageClass)
        raise CliError(f"{name}: unknown message class {text[:40]!r} (known: {known})") from exc


def _consent(yes: list[str], no: list[str]) -> dict[Any, bool]:
    said_yes = {_message_class(name, "--consent") for name in yes}
    said_no = {_message_class(name, "--no-consent") for name in no}
    both = said_yes & said_no
    if both:
        names = ", ".join(sorted(str(c) for c in both))
        raise CliError(f"--consent and --no-consent both name {names}")
    return {**dict.fromkeys(said_yes, True), **dict.fromkeys(said_no, False)}


def _contact(text: str) -> tuple[str, Any]:
    from courteous.messages import Channel
    from courteous.recipients.identity import InvalidContactError, normalise_contact

    try:
        contact = normalise_contact(text)
    except InvalidContactError as exc:
        raise CliError(f"--to: {exc}: {text[:40]!r}") from exc
    return contact, Channel.EMAIL if "@" in contact else Channel.SMS


def _zone(text: str) -> str:
    from courteous.recipients.zones import UnknownZoneError, check_zone

    try:
        return check_zone(text)
    except UnknownZoneError as exc:
        raise CliError(f"--tz: {exc} (an IANA zone such as Europe/Paris)") from exc


def _country(text: str) -> str:
    code = text.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise CliError(f"--country: not an ISO 3166 alpha-2 code: {text[:40]!r}")
    return code


def _history(path: Path) -> tuple[Any, ...]:
    from pydantic import ValidationError

    from courteous.gate.ledger_state import SentEntry
    from courteous.gate.policy import read_json_file
    from courteous.messages import KIND_CLASSES

    try:
        entries = read_json_file(path, HISTORY_FILE_MAX_BYTES, CliError)
    except CliError as exc:
        raise CliError(f"--history: {exc}") from exc
    if not isinstance(entries, list):
        raise CliError('--history: a JSON list of {"at": ..., "kind": ...} objects')
    sends = []
    for index, entry in enumerate(entries):
        name = f"--history entry {index}"
        if not isinstance(entry, dict) or "at" not in entry or "kind" not in entry:
            raise CliError(f'{name}: needs "at" and "kind"')
        kind = _kind(str(entry["kind"]), name)
        message_class = (
            _message_class(str(entry["class"]), f"{name} class")
            if "class" in entry
            else KIND_CLASSES[kind]
        )
        try:
            sends.append(
                SentEntry(
                    request_id=f"history-{index}",
                    at=_instant(str(entry["at"]), name),
                    kind=kind,
                    message_class=message_class,
                )
            )
        except ValidationError as exc:
            raise CliError(f"{name}: {exc.errors()[0]['msg']}") from exc
    return tuple(sends)
