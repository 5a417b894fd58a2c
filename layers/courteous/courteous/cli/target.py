"""Which deployment an operator's command talks to: the running local stack, or a
deployed one named by `--stack-name` (its tables, schedule group and template bucket
read from the stack's outputs, its contact key from the parameter the stack names)."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from courteous.cli.common import CliError

NO_LOCAL_RUN = (
    "no local stack is running here: start `courteous console` or `courteous serve` "
    "(or name a deployed stack with --stack-name)"
)


@dataclass(frozen=True)
class Target:
    """Clients and names of one deployment."""

    client: Callable[[str], Any]
    gate_table: str
    contact_key: bytes
    shops: list[str]
    where: str
    customer_table: str | None = None
    schedule_group: str | None = None
    template_bucket: str | None = None
    virtual_now: Callable[[], datetime] | None = None


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack-name", help="a deployed stack instead of the local one")
    parser.add_argument("--region", help="the deployed stack's region")


@contextlib.contextmanager
def open_target(args: argparse.Namespace, *, running: bool = True) -> Iterator[Target]:
    """The deployment the command names. `running=False` lets a command that reads only
    the gate table work on the last local run's files after its stack stopped."""
    if getattr(args, "stack_name", None):
        yield _deployed(args.stack_name, args.region)
        return
    with _local(running) as target:
        yield target


def _deployed(stack_name: str, region: str | None) -> Target:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

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
    except NoCredentialsError as exc:
        raise CliError("no AWS credentials: configure a profile or set AWS_PROFILE") from exc
    except (BotoCoreError, ClientError) as exc:
        raise CliError(f"cannot read stack {stack_name}: {exc}") from exc
    if "GateTableName" not in outputs:
        raise CliError(f"stack {stack_name} has no GateTableName output")

    def client(service: str) -> Any:
        return boto3.client(service, region_name=region)

    return Target(
        client=client,
        gate_table=outputs["GateTableName"],
        contact_key=str(key).encode(),
        shops=[],
        where=f"stack {stack_name}",
        customer_table=outputs.get("CustomerTableName"),
        schedule_group=outputs.get("ScheduleGroupName"),
        template_bucket=outputs.get("TemplateBucketName"),
    )


@contextlib.contextmanager
def _local(running: bool) -> Iterator[Target]:
    try:
        from courteous_local.servers import EngineUnavailable, dynamodb_local, local_client
        from courteous_local.state import LocalState
    except ImportError as exc:
        raise CliError("the local stack needs the development install (`make setup`)") from exc
    from botocore.exceptions import EndpointConnectionError

    state = LocalState.load()
    if state is None:
        raise CliError(NO_LOCAL_RUN)
    names = state.names
    if state.dynamodb_endpoint and state.aws_endpoint:
        endpoints = {"dynamodb": state.dynamodb_endpoint}

        def client(service: str) -> Any:
            return local_client(service, endpoints.get(service, state.aws_endpoint or ""))

        try:
            client("dynamodb").describe_table(TableName=state.gate_table)
        except EndpointConnectionError:
            pass
        else:
            yield Target(
                client=client,
                gate_table=state.gate_table,
                contact_key=state.contact_key.encode(),
                shops=list(state.shops),
                where="the local stack",
                customer_table=names.get("CustomerTable"),
                schedule_group=names.get("ScheduleGroup"),
                template_bucket=names.get("TemplateBucket"),
                virtual_now=state.virtual_now,
            )
            return
    if running or state.dynamodb_db_path is None:
        raise CliError(NO_LOCAL_RUN)
    from pathlib import Path

    try:
        with dynamodb_local(db_path=Path(state.dynamodb_db_path)) as engine:
            endpoint = engine.endpoint

            def offline(service: str) -> Any:
                if service != "dynamodb":
                    raise CliError(NO_LOCAL_RUN)
                return local_client("dynamodb", endpoint)

            yield Target(
                client=offline,
                gate_table=state.gate_table,
                contact_key=state.contact_key.encode(),
                shops=list(state.shops),
                where="the last local run",
            )
    except EngineUnavailable as exc:
        raise CliError(str(exc)) from exc
