"""`courteous preview --event FILE [--at ISO8601] [--locale L] [--policy P] --json`.

For one canonical event (an EventBridge event from the bus, or a generic webhook body),
the messages every flow would produce, at the moment each would be asked for: kind,
class, channel, rendered text, SMS segments, and the gate's decision (at `--at` when
given) for a recipient with an empty ledger.
"""

from __future__ import annotations

import argparse
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
    parser.add_argument("--json", action="store_true", help="one JSON list")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from courteous.events.envelope import InvalidEventError
    from courteous.gate.policy import PolicyError, load_policy

    try:
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
    items = preview(event, at=at, locale=args.locale, policy=policy)
    if args.json:
        print_json(items)
        return 0
    for item in items:
        decision = item["decision"]
        print(
            f"{item['asked_at'][:16]}  {item['kind']:<18} {item['class']:<13} {item['channel']:<5}"
            f" -> {decision['action']} ({decision['reason']}) in {decision['zone']}"
        )
        print(f"    {item.get('text') or item.get('problem')}")
    if not items:
        print("no message for this event")
    return 0
