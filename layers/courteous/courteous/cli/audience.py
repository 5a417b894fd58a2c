"""Where `courteous orders` and `courteous segments` read and write customer facts.

- default: the local stack's audience table (the last local run's, or DynamoDB Local
  started on `.courteous/local/dynamodb` with the template's tables);
- `--stack-name N [--region R]`: a deployed stack (its `AudienceTableName` output and
  its contact-hash key parameter, read from SSM);
- `--table T [--region R]`: a deployed table by name, the key from
  `--contact-key-parameter` (default `/courteous/contact-hash-key`).
"""

from __future__ import annotations

import argparse
import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from courteous.cli.common import CliError

SHOP_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
DEFAULT_KEY_PARAMETER = "/courteous/contact-hash-key"


@dataclass(frozen=True)
class Target:
    client: Any
    table: str
    contact_key: bytes
    where: str


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--shop", required=True, help="the shop's id")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--stack-name", help="a deployed stack instead of the local stack")
    where.add_argument("--table", help="a deployed AudienceTable by name")
    parser.add_argument("--region", help="the deployed stack's or table's region")
    parser.add_argument(
        "--contact-key-parameter",
        default=DEFAULT_KEY_PARAMETER,
        help="with --table: the SSM SecureString holding the contact-hash key",
    )


def check_shop(shop: str) -> str:
    if not SHOP_ID.match(shop):
        raise CliError(f"--shop: not a shop id: {shop!r}")
    return shop


@contextlib.contextmanager
def audience_target(args: argparse.Namespace) -> Iterator[Target]:
    if args.stack_name or args.table:
        yield _deployed(args)
        return
    try:
        from courteous_local.audiences import EngineUnavailable, local_audience
    except ImportError as exc:
        raise CliError(
            "the local stack needs the development install (`make setup`); "
            "or name a deployed one with --stack-name"
        ) from exc
    try:
        with local_audience() as local:
            yield Target(local.client, local.table, local.contact_key, local.where)
    except EngineUnavailable as exc:
        raise CliError(str(exc)) from exc


def _deployed(args: argparse.Namespace) -> Target:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    region = args.region
    try:
        if args.stack_name:
            stack = boto3.client("cloudformation", region_name=region).describe_stacks(
                StackName=args.stack_name
            )["Stacks"][0]
            outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
            parameters = {
                p["ParameterKey"]: p.get("ResolvedValue", p["ParameterValue"])
                for p in stack.get("Parameters", [])
            }
            if "AudienceTableName" not in outputs:
                raise CliError(f"stack {args.stack_name} has no AudienceTableName output")
            table = outputs["AudienceTableName"]
            key_name = parameters.get("ContactHashKeyParameterName", DEFAULT_KEY_PARAMETER)
        else:
            table, key_name = args.table, args.contact_key_parameter
        key = boto3.client("ssm", region_name=region).get_parameter(
            Name=key_name, WithDecryption=True
        )["Parameter"]["Value"]
    except (BotoCoreError, ClientError) as exc:
        raise CliError(f"cannot reach the deployed audience table: {exc}") from exc
    return Target(
        boto3.client("dynamodb", region_name=region), table, str(key).encode(), f"table {table}"
    )
