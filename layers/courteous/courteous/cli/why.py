"""`courteous why --to CONTACT [--to CONTACT]`: every decision the gate took for a
recipient, and why: the channel chosen and what was refused before it.

A decision is recorded under the contact of the channel it was for (the e-mail
address when a greeting went by e-mail because the phone had no consent), so give
every contact the person has to see all of theirs. Against the last local run
(`make demo`, `courteous serve`) by default, or a deployed stack with `--stack-name`
(its gate table and contact key parameter are read from the stack). Contacts are
looked up by their keyed hash, as the gate stores them.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from courteous.cli.common import CliError, print_json
from courteous.recipients.identity import InvalidContactError, normalise_contact, recipient_key
from courteous.recipients.zones import zones_label


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "why",
        help="the gate's decisions for one recipient, with reasons",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--to",
        required=True,
        action="append",
        metavar="CONTACT",
        help="phone (E.164) or e-mail; repeat for each contact of the person",
    )
    parser.add_argument("--shop", help="shop id (default: every shop of the local run)")
    parser.add_argument("--stack-name", help="a deployed stack instead of the local run")
    parser.add_argument("--region", help="the deployed stack's region")
    parser.add_argument(
        "--limit", type=int, default=100, help="most recent N decisions per contact (1 or more)"
    )
    parser.add_argument("--json", action="store_true", help="one JSON list")
    parser.set_defaults(run=run)


@contextlib.contextmanager
def _local_gate() -> Iterator[tuple[Any, str, bytes, list[str]]]:
    try:
        from courteous_local.servers import (
            EngineUnavailable,
            dynamodb_local,
            local_dynamodb_client,
        )
        from courteous_local.state import LocalState
    except ImportError as exc:
        raise CliError("the local stack needs the development install (`make setup`)") from exc
    from botocore.exceptions import EndpointConnectionError

    state = LocalState.load()
    if state is None:
        raise CliError("no local run here yet: run `make demo` or `courteous serve` first")

    client = local_dynamodb_client

    key = state.contact_key.encode()
    if state.dynamodb_endpoint:
        running = client(state.dynamodb_endpoint)
        try:
            running.describe_table(TableName=state.gate_table)
        except EndpointConnectionError:
            pass
        else:
            yield running, state.gate_table, key, state.shops
            return
    if state.dynamodb_db_path is None:
        raise CliError(
            f"the last local run kept its table in memory ({state.dynamodb_engine}); "
            "run it again to ask"
        )
    from pathlib import Path

    try:
        with dynamodb_local(db_path=Path(state.dynamodb_db_path)) as engine:
            yield client(engine.endpoint), state.gate_table, key, state.shops
    except EngineUnavailable as exc:
        raise CliError(str(exc)) from exc


@contextlib.contextmanager
def _deployed_gate(
    stack_name: str, region: str | None, shop: str | None
) -> Iterator[tuple[Any, str, bytes, list[str]]]:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    if shop is None:
        raise CliError("--shop is required with --stack-name")
    try:
        stack = boto3.client("cloudformation", region_name=region).describe_stacks(
            StackName=stack_name
        )["Stacks"][0]
        outputs = {item["OutputKey"]: item["OutputValue"] for item in stack.get("Outputs", [])}
        parameters = {
            item["ParameterKey"]: item.get("ResolvedValue", item["ParameterValue"])
            for item in stack.get("Parameters", [])
        }
        key_name = parameters.get("ContactHashKeyParameterName", "/courteous/contact-hash-key")
        key = boto3.client("ssm", region_name=region).get_parameter(
            Name=key_name, WithDecryption=True
        )["Parameter"]["Value"]
    except (BotoCoreError, ClientError) as exc:
        raise CliError(f"cannot read stack {stack_name}: {exc}") from exc
    if "GateTableName" not in outputs:
        raise CliError(f"stack {stack_name} has no GateTableName output")
    yield (
        boto3.client("dynamodb", region_name=region),
        outputs["GateTableName"],
        str(key).encode(),
        [shop],
    )


def _row(item: dict[str, Any], shop: str) -> dict[str, Any]:
    decided = datetime.fromisoformat(item["decided_at"])
    zones = list(item.get("zones") or [])
    local = decided.astimezone(ZoneInfo(zones[0])) if zones else decided
    return {
        "at": item["decided_at"],
        "local_time": local.isoformat(),
        "shop": shop,
        "kind": item["kind"],
        "channel": item.get("channel"),
        "channel_detail": item.get("channel_detail"),
        "order_id": item.get("order_id"),
        "action": item["action"],
        "reason": item["reason"],
        "detail": item.get("detail"),
        "not_before": item.get("not_before"),
        "zone": zones_label(zones),
        "zone_source": item.get("zone_source"),
        "policy_version": item.get("policy_version"),
        "request_id": item.get("request_id"),
    }


def run(args: argparse.Namespace) -> int:
    from courteous.gate.store import GateStore

    if args.limit < 1:
        raise CliError("--limit must be 1 or more")
    contacts = []
    for text in args.to:
        try:
            contacts.append(normalise_contact(text))
        except InvalidContactError as exc:
            raise CliError(f"--to {text!r}: {exc}") from exc
    source = (
        _deployed_gate(args.stack_name, args.region, args.shop)
        if args.stack_name
        else _local_gate()
    )
    rows: list[dict[str, Any]] = []
    with source as (client, table, key, shops):
        store = GateStore(client, table)
        for shop in [args.shop] if args.shop else shops:
            for contact in dict.fromkeys(contacts):
                items = store.history(recipient_key(key, shop, contact), limit=args.limit)
                rows.extend(_row(item, shop) for item in items)
    rows.sort(key=lambda row: (row["at"], row["request_id"] or ""))
    searched = [args.shop] if args.shop else list(shops)
    if args.json:
        print_json(rows)
        return 0
    where = ", ".join(searched) if searched else "no shop (the local run saw none)"
    if not rows:
        print(f"no decisions recorded for this recipient in {where}")
        return 0
    print(f"searched {where}")
    for row in rows:
        when = datetime.fromisoformat(row["local_time"]).strftime("%a %d %b %H:%M")
        order = f" order {row['order_id']}" if row["order_id"] else ""
        line = (
            f"{row['at'][:16]}Z  {when} {row['zone']:<20} {row['kind']:<18} "
            f"{row['channel'] or '':<5} {row['action'].upper():<8} {row['reason']}{order}"
        )
        if row["not_before"]:
            line += f" -> {row['not_before'][:16]}Z"
        print(line)
        if row["detail"]:
            print(f"{'':>24}{row['detail']}  [{row['policy_version']}]")
        if row["channel_detail"]:
            print(f"{'':>24}channel: {row['channel_detail']}")
    return 0
