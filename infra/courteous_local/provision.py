"""Create every resource `template.yaml` declares, against emulated AWS.

Tables (keys, GSIs, LSIs, TTL), queues (with their redrive to a DLQ), event buses,
schedule groups, topics, buckets and SSM parameters are created with boto3 from the template's
own properties; roles, layers and APIs get the names and ARNs CloudFormation would give
them. Functions are not deployed: `FunctionSpec` says where their code is, what their
environment is (Globals merged with their own, intrinsics resolved) and which events
trigger them, and the local runner invokes them in-process.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from courteous_local.template import Resolver, Template, TemplateError


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_dir: Path
    handler: str
    environment: dict[str, str]
    events: dict[str, dict[str, Any]]

    @property
    def module_file(self) -> Path:
        module, _, _ = self.handler.rpartition(".")
        return self.code_dir / f"{module.replace('.', '/')}.py"

    @property
    def function_name(self) -> str:
        return self.handler.rpartition(".")[2]


@dataclass
class Provisioned:
    """What `provision` created: the resolver (names, ARNs) and the function specs."""

    resolver: Resolver
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    created: list[tuple[str, str]] = field(default_factory=list)

    def ref(self, logical_id: str) -> str:
        return self.resolver.ref(logical_id)

    def att(self, logical_id: str, attribute: str) -> str:
        return self.resolver.get_att(logical_id, attribute)


# Resource types that make no AWS call locally (names and ARNs only).
_NO_CALLS = frozenset({"AWS::IAM::Role", "AWS::Serverless::Function"})


class _NameOnly(dict[str, str]):
    def __init__(self, name: str, arn: str) -> None:
        super().__init__()
        self._name, self._arn = name, arn

    def __missing__(self, attribute: str) -> str:
        return self._arn if attribute.endswith("Arn") else self._name


class _NotYet(Exception):
    """A property refers to a resource that is not created yet."""


def provision(
    template: Template,
    client: Callable[[str], Any],
    *,
    stack_name: str = "local",
    region: str = "us-east-1",
    account: str = "123456789012",
    parameter_values: dict[str, str] | None = None,
    repo_root: Path | None = None,
    only: frozenset[str] | None = None,
) -> Provisioned:
    """Create the template's resources in dependency order (a reference waits its turn).

    `only` limits creation to those resource types (e.g. the tables, on another engine);
    the others get their names and ARNs without a call.
    """
    resolver = Resolver(
        template,
        region=region,
        account=account,
        stack_name=stack_name,
        parameter_values=parameter_values or {},
    )
    result = Provisioned(resolver=resolver)
    creator = _Creator(resolver, client, result, repo_root or _repo_root(template), only)
    pending = dict(template.resources)
    while pending:
        progressed = False
        for logical_id, resource in list(pending.items()):
            try:
                creator.create(logical_id, resource)
            except _NotYet:
                continue
            del pending[logical_id]
            progressed = True
        if not progressed:
            raise TemplateError(
                "cannot order these resources (a cycle or an unknown reference): "
                + ", ".join(sorted(pending))
            )
    for logical_id, resource in template.of_type("AWS::Serverless::Function").items():
        result.functions[logical_id] = creator.function_spec(logical_id, resource)
    return result


def _repo_root(template: Template) -> Path:
    if template.path is not None:
        return template.path.resolve().parent
    return Path.cwd()


class _Creator:
    def __init__(
        self,
        resolver: Resolver,
        client: Callable[[str], Any],
        result: Provisioned,
        repo_root: Path,
        only: frozenset[str] | None = None,
    ) -> None:
        self._only = only
        self._r = resolver
        self._client = client
        self._result = result
        self._root = repo_root

    # ------------------------------------------------------------------ helpers
    def _resolve(self, value: Any) -> Any:
        try:
            return self._r.resolve(value)
        except TemplateError as exc:
            if "not known locally" in str(exc) or "no such parameter" in str(exc):
                raise _NotYet(str(exc)) from exc
            raise

    def _arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self._r.region if regional else ""
        return f"arn:aws:{service}:{region}:{self._r.account}:{resource}"

    def _physical_name(self, logical_id: str) -> str:
        return f"{self._r.stack_name}-{logical_id}"

    def _done(self, logical_id: str, ref: str, **attributes: str) -> None:
        self._r.refs[logical_id] = ref
        self._r.attributes[logical_id] = attributes
        self._result.created.append((logical_id, ref))

    # ------------------------------------------------------------------ dispatch
    def create(self, logical_id: str, resource: dict[str, Any]) -> None:
        kind = str(resource.get("Type"))
        props = self._resolve(resource.get("Properties") or {})
        creators: dict[str, Callable[[str, dict[str, Any]], None]] = {
            "AWS::DynamoDB::Table": self._table,
            "AWS::SQS::Queue": self._queue,
            "AWS::Events::EventBus": self._bus,
            "AWS::Scheduler::ScheduleGroup": self._schedule_group,
            "AWS::SNS::Topic": self._topic,
            "AWS::SSM::Parameter": self._parameter,
            "AWS::SES::ConfigurationSet": self._email_configuration_set,
            "AWS::SMSVOICE::ConfigurationSet": self._sms_configuration_set,
            "AWS::S3::Bucket": self._bucket,
            "AWS::IAM::Role": self._role,
            "AWS::Serverless::Function": self._function,
        }
        creator = creators.get(kind)
        if self._only is not None and kind not in self._only and kind not in _NO_CALLS:
            creator = None
        if creator is not None:
            creator(logical_id, props)
            return
        # Resources that exist only as names locally (layers, APIs, rules, alarms ...):
        # any attribute is answered with the name, or an ARN for `...Arn`.
        name = self._physical_name(logical_id)
        self._r.refs[logical_id] = name
        self._r.attributes[logical_id] = _NameOnly(name, self._arn("local", name))
        self._result.created.append((logical_id, name))

    def _table(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("TableName") or self._physical_name(logical_id)
        request: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PROVISIONED"),
        }
        if request["BillingMode"] == "PROVISIONED":
            request["ProvisionedThroughput"] = props.get(
                "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
            )
        for index_kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if props.get(index_kind):
                request[index_kind] = [
                    {k: v for k, v in index.items() if k != "ContributorInsightsSpecification"}
                    for index in props[index_kind]
                ]
        if props.get("StreamSpecification"):
            request["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": props["StreamSpecification"]["StreamViewType"],
            }
        dynamodb = self._client("dynamodb")
        dynamodb.create_table(**request)
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
            )
        arn = self._arn("dynamodb", f"table/{name}")
        self._done(logical_id, name, Arn=arn, StreamArn=f"{arn}/stream/local")

    def _queue(self, logical_id: str, props: dict[str, Any]) -> None:
        fifo = bool(props.get("FifoQueue"))
        name = props.get("QueueName") or self._physical_name(logical_id) + (".fifo" if fifo else "")
        attributes: dict[str, str] = {}
        for key in (
            "VisibilityTimeout",
            "MessageRetentionPeriod",
            "DelaySeconds",
            "ReceiveMessageWaitTimeSeconds",
            "MaximumMessageSize",
        ):
            if key in props:
                attributes[key] = str(props[key])
        if fifo:
            attributes["FifoQueue"] = "true"
            if props.get("ContentBasedDeduplication"):
                attributes["ContentBasedDeduplication"] = "true"
        if "RedrivePolicy" in props:
            attributes["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
        url = self._client("sqs").create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        self._done(logical_id, url, Arn=self._arn("sqs", name), QueueName=name, QueueUrl=url)

    def _bus(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props["Name"]
        arn = self._client("events").create_event_bus(Name=name)["EventBusArn"]
        self._done(logical_id, name, Arn=arn, Name=name)

    def _schedule_group(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("Name") or self._physical_name(logical_id)
        arn = self._client("scheduler").create_schedule_group(Name=name)["ScheduleGroupArn"]
        self._done(logical_id, name, Arn=arn)

    def _topic(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("TopicName") or self._physical_name(logical_id)
        arn = self._client("sns").create_topic(Name=name)["TopicArn"]
        self._done(logical_id, arn, TopicArn=arn, TopicName=name)

    def _email_configuration_set(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("Name") or self._physical_name(logical_id)
        self._client("sesv2").create_configuration_set(ConfigurationSetName=name)
        self._done(logical_id, name)

    def _sms_configuration_set(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("ConfigurationSetName") or self._physical_name(logical_id)
        sms = self._client("pinpoint-sms-voice-v2")
        arn = sms.create_configuration_set(ConfigurationSetName=name)["ConfigurationSetArn"]
        for destination in props.get("EventDestinations") or []:
            request: dict[str, Any] = {
                "ConfigurationSetName": name,
                "EventDestinationName": destination["EventDestinationName"],
                "MatchingEventTypes": destination["MatchingEventTypes"],
            }
            if "SnsDestination" in destination:
                request["SnsDestination"] = {"TopicArn": destination["SnsDestination"]["TopicArn"]}
            sms.create_event_destination(**request)
        self._done(logical_id, name, Arn=arn)

    def _parameter(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("Name") or self._physical_name(logical_id)
        self._client("ssm").put_parameter(
            Name=name, Value=str(props["Value"]), Type=props.get("Type", "String"), Overwrite=True
        )
        self._done(logical_id, name, Type=props.get("Type", "String"), Value=str(props["Value"]))

    def _bucket(self, logical_id: str, props: dict[str, Any]) -> None:
        # Bucket names are lower case; CloudFormation's own are too.
        name = props.get("BucketName") or self._physical_name(logical_id).lower()
        self._client("s3").create_bucket(Bucket=name)
        self._done(logical_id, name, Arn=f"arn:aws:s3:::{name}")

    def _role(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("RoleName") or self._physical_name(logical_id)
        self._done(logical_id, name, Arn=self._arn("iam", f"role/{name}", regional=False))

    def _function(self, logical_id: str, props: dict[str, Any]) -> None:
        name = props.get("FunctionName") or self._physical_name(logical_id)
        self._done(logical_id, name, Arn=self._arn("lambda", f"function:{name}"))

    # ------------------------------------------------------------------ functions
    def function_spec(self, logical_id: str, resource: dict[str, Any]) -> FunctionSpec:
        template = self._r.template
        globals_ = template.function_globals
        props = dict(resource.get("Properties") or {})
        variables: dict[str, Any] = {}
        variables.update((globals_.get("Environment") or {}).get("Variables") or {})
        variables.update((props.get("Environment") or {}).get("Variables") or {})
        environment = {key: str(value) for key, value in self._r.resolve(variables).items()}
        code_uri = props.get("CodeUri", globals_.get("CodeUri"))
        handler = props.get("Handler", globals_.get("Handler"))
        if not isinstance(code_uri, str) or not isinstance(handler, str):
            raise TemplateError(f"{logical_id}: CodeUri and Handler must be plain strings")
        events = {
            name: {
                "Type": event["Type"],
                "Properties": self._r.resolve(event.get("Properties") or {}),
            }
            for name, event in (props.get("Events") or {}).items()
        }
        return FunctionSpec(
            logical_id=logical_id,
            code_dir=(self._root / code_uri).resolve(),
            handler=handler,
            environment=environment,
            events=events,
        )
