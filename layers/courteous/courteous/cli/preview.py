"""`courteous preview --event FILE [--at ISO8601] [--locale L] [--policy P] --json`.

For one canonical event (an EventBridge event from the bus, or a generic webhook body),
the messages every flow would produce, at the moment each would be asked for: kind,
class, the channel chosen and why (consent, preference, the shop's order), rendered
text, SMS segments, an e-mail's headers, and the gate's decision (at `--at` when given)
for a recipient with an empty ledger. `--settings` reads the shop's settings JSON (its
channel order and senders). With `--json`, stdout is one JSON document; the flows' own
log lines go to stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from courteous.cli.common import CliError, parse_instant, print_json


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "preview",
        help="the messages the flows would produce for one event",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--event", required=True, type=Path, metavar="FILE")
    parser.add_argument("--at", help="judge every message at this instant (ISO 8601)")
    parser.add_argument("--locale", help="render in this locale instead of the customer's")
    parser.add_argument("--policy", default="default", help="a preset or a policy file")
    parser.add_argument("--settings", type=Path, metavar="FILE", help="the shop's settings JSON")
    parser.add_argument("--json", action="store_true", help="one JSON list")
    parser.set_defaults(run=run)


def _channels(path: Path, shop_id: str) -> Any:
    from courteous.flows.settings import ShopSettingsError, settings_from_json

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"--settings: cannot read {path}: {exc.strerror}") from exc
    try:
        return settings_from_json(shop_id, text).channel_settings()
    except ShopSettingsError as exc:
        raise CliError(f"--settings: {exc}") from exc


def run(args: argparse.Namespace) -> int:
    from courteous.events.envelope import InvalidEventError
    from courteous.gate.policy import PolicyError, load_policy

    try:
        from courteous_local.inprocess import function_logs_to
        from courteous_local.preview import preview, read_event
    except ImportError as exc:
        raise CliError("preview runs the flows locally: it needs `make setup`") from exc
    at = parse_instant(args.at, name="--at") if args.at else None
    try:
        policy = load_policy(args.policy)
    except PolicyError as exc:
        raise CliError(f"--policy: {exc}") from exc
    try:
        event = read_event(args.event)
    except FileNotFoundError as exc:
        raise CliError(f"--event: no such file: {args.event}") from exc
    except (ValueError, InvalidEventError) as exc:
        raise CliError(f"--event: {exc}") from exc
    channels = _channels(args.settings, event.shop_id) if args.settings else None
    with function_logs_to(sys.stderr):
        items = preview(event, at=at, locale=args.locale, policy=policy, channels=channels)
    if args.json:
        print_json(items)
        return 0
    for item in items:
        decision = item["decision"]
        print(
            f"{item['asked_at'][:16]}  {item['kind']:<18} {item['class']:<13}"
            f" {item['channel'] or '-':<5} -> {decision['action']} ({decision['reason']})"
            f" in {decision['zone']}"
        )
        print(f"    channel: {item['channel_why']}")
        print(f"    {item.get('text') or item.get('problem')}")
    if not items:
        print("no message for this event")
    return 0
