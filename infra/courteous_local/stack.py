"""The whole system on 127.0.0.1, built from `template.yaml`, driven by a virtual clock.

`LocalStack` starts DynamoDB Local (AWS's own engine; moto's server when Java is absent)
and moto's server for every other service, routes boto3 to them with the per-service
endpoint settings, creates every resource from the template, and runs the functions
in-process as AWS would invoke them:

- HTTP API routes (`HttpApi` events) -> `request(...)` builds API Gateway v2 events;
- EventBridge rules (`EventBridgeRule` events) -> each rule is created on the emulated
  bus with its own pattern and a tap queue as target, so the emulator does the pattern
  matching; the runner reads the tap and invokes the function with a full envelope
  (moto leaves out `account`, which the real service sends and Powertools requires);
- SQS event-source mappings (`SQS` events) -> batches of up to `BatchSize`, partial
  batch failures honoured: failed records come back after the queue's visibility
  timeout (virtual time) and reach the DLQ by the queue's own redrive policy;
- EventBridge Scheduler: one-time schedules are fired when due and deleted after
  completion; recurring `ScheduleV2` events fire at their rate / cron instants.

Nothing runs by itself: `advance_to(instant)` moves the virtual clock forward, firing
every schedule on the way in order and draining the work each one causes.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import tempfile
import threading
import uuid
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from courteous import clock as domain_clock
from courteous_local.instrument import ClientFactory
from courteous_local.provision import FunctionSpec, Provisioned, provision
from courteous_local.runtime import InProcessFunction, Invocation, new_stack_id
from courteous_local.servers import Engine, dynamodb_engine, moto_server
from courteous_local.sms_voice import ENDPOINT_VARIABLE, SmsVoiceEmulator, sms_voice_emulator
from courteous_local.state import STATE_DIR, LocalState
from courteous_local.template import Template, default_template_path, load_template
from courteous_local.timing import VirtualClock, WallClock, fire_times, parse_at

REGION = "us-east-1"
ACCOUNT = "123456789012"
LOCAL_CONTACT_KEY = "local-stack-contact-key"
# Services other than DynamoDB that the functions reach, each routed to moto's server.
MOTO_SERVICES = (
    "sqs",
    "events",
    "scheduler",
    "sesv2",
    "ses",
    "sns",
    "ssm",
    "secretsmanager",
    "s3",
)
# What `courteous shop|today|report|console` reach in a running local stack.
OPERATOR_RESOURCES = ("GateTable", "CustomerTable", "ScheduleGroup", "TemplateBucket")


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class _Route:
    function: InProcessFunction
    method: str
    path: str
    authorizer: str | None = None  # a JWT authoriser guards the route

    @property
    def greedy(self) -> bool:
        return self.path.rstrip("/").endswith("+}")

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if self.method not in ("ANY", "*", method.upper()):
            return None
        want, have = self.path.strip("/").split("/"), path.strip("/").split("/")
        if self.greedy:
            # `{proxy+}` takes the rest of the path, at least one segment of it.
            if len(have) < len(want):
                return None
            have = [*have[: len(want) - 1], "/".join(have[len(want) - 1 :])]
        if len(want) != len(have):
            return None
        params: dict[str, str] = {}
        for expected, actual in zip(want, have, strict=True):
            if expected.startswith("{") and expected.endswith("}"):
                params[expected[1:-1].rstrip("+")] = actual
            elif expected != actual:
                return None
        return params


@dataclass
class _Mapping:
    """An SQS event-source mapping."""

    function: InProcessFunction
    queue_url: str
    queue_arn: str
    batch_size: int
    visibility: timedelta
    partial: bool
    retry_at: dict[str, datetime] = field(default_factory=dict)  # receipt handle -> when


@dataclass
class _Rule:
    function: InProcessFunction
    tap_url: str
    attempts: int = 3
    kind: str = "eventbridge"
    source: str = ""


@dataclass
class _Recurring:
    function: InProcessFunction
    name: str
    expression: str
    zone: str | None
    payload: Any
    last: datetime


@dataclass
class StackLog:
    invocations: list[Invocation] = field(default_factory=list)
    failures: list[Invocation] = field(default_factory=list)
    fired_schedules: int = 0
    retries: int = 0


class LocalStack:
    def __init__(
        self,
        start: datetime,
        *,
        template_path: Path | None = None,
        realtime: bool = False,
        prefer_dynamodb_local: bool = True,
        shop_settings: dict[str, dict[str, str]] | None = None,
        state_root: Path | None = None,
        shops: tuple[str, ...] = (),
    ) -> None:
        """`state_root`: keep the gate table on disk there for `courteous why`."""
        self.template: Template = load_template(template_path or default_template_path())
        self.clock: VirtualClock | WallClock = WallClock() if realtime else VirtualClock(start)
        self.realtime = realtime
        self._prefer_local = prefer_dynamodb_local
        self._shop_settings = shop_settings or {}
        self._state_root = state_root
        self._shops = list(shops)
        self._exit = ExitStack()
        self._saved_env: dict[str, str | None] = {}
        self._id = new_stack_id()
        self._lock = threading.RLock()
        self.log = StackLog()
        self._clock_speed = 1.0
        self.work_dir = Path(".")
        self.dynamodb: Engine | None = None
        self.moto: Engine | None = None
        self.sms: SmsVoiceEmulator | None = None
        self.clients: ClientFactory | None = None
        self.resources: Provisioned | None = None
        self.functions: dict[str, InProcessFunction] = {}
        self._routes: list[_Route] = []
        self._mappings: list[_Mapping] = []
        self._rules: list[_Rule] = []
        self._recurring: list[_Recurring] = []

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> LocalStack:
        try:
            self._start()
        except BaseException:
            self._exit.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._state_root is not None and self.resources is not None:
            self._save_state(running=False)
        for function in self.functions.values():
            function.unload()
        domain_clock.use_clock(domain_clock.wall_clock)
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()
        self._exit.close()

    def _setenv(self, name: str, value: str) -> None:
        if name not in self._saved_env:
            self._saved_env[name] = os.environ.get(name)
        os.environ[name] = value

    def _db_path(self) -> Path | None:
        if self._state_root is None:
            return None
        return self._state_root / STATE_DIR / "dynamodb"

    def save_clock(self, speed: float = 1.0) -> None:
        """Record where the virtual clock is and how fast it runs, for the operator's
        commands in other processes (`courteous today`)."""
        self._clock_speed = speed
        if self._state_root is not None and self.resources is not None:
            self._save_state(running=True)

    def _save_state(self, *, running: bool) -> None:
        assert self.resources is not None and self.dynamodb is not None
        db_path = self._db_path()
        persisted = db_path is not None and self.dynamodb.name == "DynamoDB Local"
        LocalState(
            gate_table=self.resources.ref("GateTable"),
            audience_table=self.resources.ref("AudienceTable"),
            contact_key=LOCAL_CONTACT_KEY,
            shops=self._shops,
            dynamodb_db_path=str(db_path.resolve()) if persisted and db_path else None,
            dynamodb_endpoint=self.dynamodb.endpoint if running else None,
            dynamodb_engine=self.dynamodb.name,
            aws_endpoint=self.moto.endpoint if running and self.moto else None,
            names={
                logical_id: self.resources.ref(logical_id)
                for logical_id in OPERATOR_RESOURCES
                if logical_id in self.resources.resolver.refs
            },
            clock_at=self.clock() if running else None,
            clock_saved_at=datetime.now(UTC) if running else None,
            clock_speed=self._clock_speed,
        ).save(self._state_root)

    def _start(self) -> None:
        # Handlers flush metrics locally with nothing recorded on some paths; that is fine.
        self._exit.enter_context(warnings.catch_warnings())
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        self.work_dir = Path(
            self._exit.enter_context(tempfile.TemporaryDirectory(prefix="courteous-"))
        )
        db_path = self._db_path()
        if db_path is not None and db_path.exists():
            shutil.rmtree(db_path)  # every local run starts from an empty table
        self.dynamodb = self._exit.enter_context(dynamodb_engine(self._prefer_local, db_path))
        self.moto = self._exit.enter_context(moto_server())
        # moto has no End User Messaging SMS: a small emulator of ours answers it, and
        # publishes each text's delivery report to the configuration set's topic.
        self.sms = self._exit.enter_context(sms_voice_emulator(self._publish_report))
        endpoints = {"dynamodb": self.dynamodb.endpoint, "pinpoint-sms-voice-v2": self.sms.endpoint}
        endpoints.update(dict.fromkeys(MOTO_SERVICES, self.moto.endpoint))
        for name, value in {
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_SESSION_TOKEN": "local",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": self.moto.endpoint,
            "AWS_ENDPOINT_URL_DYNAMODB": self.dynamodb.endpoint,
            ENDPOINT_VARIABLE: self.sms.endpoint,
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_DEV": "false",
        }.items():
            self._setenv(name, value)
        self.clients = ClientFactory(endpoints=endpoints, region=REGION, max_attempts=3)
        self.resources = provision(
            self.template, self.clients, stack_name="local", region=REGION, account=ACCOUNT
        )
        for spec in self.resources.functions.values():
            for name, value in spec.environment.items():
                self._setenv(name, value)
        self._seed_parameters()
        for logical_id, spec in self.resources.functions.items():
            function = InProcessFunction(spec, self._id, self.resources.att(logical_id, "Arn"))
            self.functions[logical_id] = function
            self._wire(function, spec)
        if not self.realtime:
            domain_clock.use_clock(self.clock)
        if self._state_root is not None:
            self._save_state(running=True)

    def _publish_report(self, topic_arn: str, message: str) -> None:
        assert self.clients is not None
        self.clients("sns").publish(TopicArn=topic_arn, Message=message)

    def _seed_parameters(self) -> None:
        assert self.clients is not None and self.resources is not None
        ssm = self.clients("ssm")
        key_parameter = self.resources.resolver.ref("ContactHashKeyParameterName")
        ssm.put_parameter(
            Name=key_parameter, Value=LOCAL_CONTACT_KEY, Type="SecureString", Overwrite=True
        )
        for name, value in self._shop_settings.items():
            ssm.put_parameter(
                Name=name, Value=json.dumps(value), Type="SecureString", Overwrite=True
            )
        if "SENDER_EMAIL" in os.environ:
            self.clients("sesv2").create_email_identity(EmailIdentity=os.environ["SENDER_EMAIL"])

    def add_shop(self, shop_id: str) -> None:
        """Remember a shop seen in this run, so `courteous why` looks there too."""
        if shop_id not in self._shops:
            self._shops.append(shop_id)
            if self._state_root is not None and self.resources is not None:
                self._save_state(running=True)

    def put_parameter(self, name: str, value: str, secure: bool = True) -> None:
        assert self.clients is not None
        self.clients("ssm").put_parameter(
            Name=name, Value=value, Type="SecureString" if secure else "String", Overwrite=True
        )

    # ------------------------------------------------------------------ wiring
    def _wire(self, function: InProcessFunction, spec: FunctionSpec) -> None:
        for event_name, event in spec.events.items():
            kind, props = event["Type"], event["Properties"]
            if kind in ("HttpApi", "Api"):
                authorizer = (props.get("Auth") or {}).get("Authorizer")
                self._routes.append(
                    _Route(
                        function,
                        str(props.get("Method", "ANY")),
                        str(props["Path"]),
                        None if authorizer in (None, "NONE") else str(authorizer),
                    )
                )
                # API Gateway prefers a route without a greedy variable.
                self._routes.sort(key=lambda route: route.greedy)
            elif kind == "SQS":
                self._mappings.append(self._mapping(function, props))
            elif kind in ("EventBridgeRule", "CloudWatchEvent"):
                self._rules.append(self._rule(function, event_name, props))
            elif kind == "SNS":
                self._rules.append(self._topic_tap(function, event_name, str(props["Topic"])))
            elif kind in ("ScheduleV2", "Schedule"):
                payload = props.get("Input")
                self._recurring.append(
                    _Recurring(
                        function=function,
                        name=f"{spec.logical_id}-{event_name}",
                        expression=str(props["ScheduleExpression"]),
                        zone=props.get("ScheduleExpressionTimezone"),
                        payload=json.loads(payload) if isinstance(payload, str) else None,
                        last=self.clock(),
                    )
                )

    def _queue_url(self, arn: str) -> str:
        assert self.clients is not None
        name = arn.rsplit(":", 1)[-1]
        return str(self.clients("sqs").get_queue_url(QueueName=name)["QueueUrl"])

    def _mapping(self, function: InProcessFunction, props: dict[str, Any]) -> _Mapping:
        assert self.clients is not None
        url = self._queue_url(str(props["Queue"]))
        attributes = self.clients("sqs").get_queue_attributes(
            QueueUrl=url, AttributeNames=["VisibilityTimeout"]
        )["Attributes"]
        return _Mapping(
            function=function,
            queue_url=url,
            queue_arn=str(props["Queue"]),
            batch_size=min(int(props.get("BatchSize", 10)), 10),
            visibility=timedelta(seconds=int(attributes.get("VisibilityTimeout", 30))),
            partial="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
        )

    def _rule(self, function: InProcessFunction, event_name: str, props: dict[str, Any]) -> _Rule:
        assert self.clients is not None
        sqs, events = self.clients("sqs"), self.clients("events")
        name = f"local-{function.logical_id}-{event_name}"[:64]
        tap_url = sqs.create_queue(QueueName=f"tap-{name}"[:80])["QueueUrl"]
        tap_arn = sqs.get_queue_attributes(QueueUrl=tap_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        bus = str(props.get("EventBusName", "default"))
        events.put_rule(
            Name=name, EventBusName=bus, EventPattern=json.dumps(props["Pattern"]), State="ENABLED"
        )
        events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "tap", "Arn": tap_arn}])
        return _Rule(function=function, tap_url=tap_url)

    def _topic_tap(self, function: InProcessFunction, event_name: str, topic_arn: str) -> _Rule:
        """An SNS subscription: a tap queue subscribed to the topic, read like a rule's."""
        assert self.clients is not None
        sqs = self.clients("sqs")
        name = f"tap-sns-{function.logical_id}-{event_name}"[:80]
        tap_url = sqs.create_queue(QueueName=name)["QueueUrl"]
        tap_arn = sqs.get_queue_attributes(QueueUrl=tap_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.clients("sns").subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=tap_arn)
        return _Rule(function=function, tap_url=tap_url, kind="sns", source=topic_arn)

    # ------------------------------------------------------------------ invoking
    def _invoke(self, function: InProcessFunction, trigger: str, event: Any) -> Any:
        try:
            result = function.invoke(event)
        except Exception as exc:
            failure = Invocation(function.logical_id, trigger, ok=False, error=repr(exc))
            self.log.invocations.append(failure)
            self.log.failures.append(failure)
            raise
        self.log.invocations.append(Invocation(function.logical_id, trigger, ok=True))
        return result

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        source_ip: str = "127.0.0.1",
        claims: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """One HTTP request through the API, as API Gateway (HTTP API, v2) passes it on.

        `claims`: the verified token's claims, as a JWT authoriser hands them over; a
        route with an authoriser answers 401 without them, as API Gateway does."""
        raw_path, _, query = path.partition("?")
        for route in self._routes:
            params = route.match(method, raw_path)
            if params is None:
                continue
            if route.authorizer is not None and claims is None:
                return HttpResponse(
                    401, {"content-type": "application/json"}, '{"message":"Unauthorized"}'
                )
            event = http_api_event(
                method, raw_path, query, headers or {}, body, params, route, source_ip, self.clock()
            )
            if claims is not None and route.authorizer is not None:
                event["requestContext"]["authorizer"] = {
                    "jwt": {"claims": dict(claims), "scopes": None}
                }
            with self._lock:
                try:
                    result = self._invoke(route.function, f"{method} {raw_path}", event)
                except Exception:
                    # API Gateway answers 500 when the integration fails.
                    return HttpResponse(500, {}, '{"message":"Internal Server Error"}')
                response = _http_response(result)
                self.drain()
            return response
        return HttpResponse(404, {"content-type": "application/json"}, '{"message":"Not Found"}')

    # ------------------------------------------------------------------ the loop
    def drain(self, max_rounds: int = 10_000) -> None:
        """Deliver everything that is due now until nothing moves."""
        with self._lock:
            for _ in range(max_rounds):
                moved = self._fire_due_schedules()
                moved |= self._pump_rules()
                moved |= self._pump_queues()
                if not moved:
                    return
            raise RuntimeError("the local stack did not settle: a loop between functions?")

    def advance_to(self, instant: datetime) -> None:
        """Move the virtual clock to `instant`, stopping at every due schedule on the way."""
        instant = instant.astimezone(UTC)
        with self._lock:
            self.drain()
            if self.realtime:
                return  # the wall clock moves by itself; what is due now has been done
            while True:
                upcoming = self._next_due(instant)
                if upcoming is None:
                    break
                self.clock.advance_to(upcoming)
                self.drain()
            self.clock.advance_to(instant)
            self.drain()

    def advance(self, delta: timedelta) -> None:
        self.advance_to(self.clock() + delta)

    def _next_due(self, until: datetime) -> datetime | None:
        now = self.clock()
        candidates = [when for when, _ in self._one_time_schedules() if now < when <= until]
        for recurring in self._recurring:
            after = max(recurring.last, now)
            times = fire_times(recurring.expression, after, until, recurring.zone)
            if times:
                candidates.append(times[0])
        for mapping in self._mappings:
            candidates.extend(when for when in mapping.retry_at.values() if now < when <= until)
        return min(candidates) if candidates else None

    # -- scheduler
    def _one_time_schedules(self) -> list[tuple[datetime, dict[str, Any]]]:
        assert self.clients is not None
        scheduler = self.clients("scheduler")
        found: list[tuple[datetime, dict[str, Any]]] = []
        for group in scheduler.list_schedule_groups()["ScheduleGroups"]:
            token: str | None = None
            while True:
                page = scheduler.list_schedules(
                    GroupName=group["Name"], **({"NextToken": token} if token else {})
                )
                for summary in page["Schedules"]:
                    schedule = scheduler.get_schedule(Name=summary["Name"], GroupName=group["Name"])
                    expression = schedule["ScheduleExpression"]
                    if expression.startswith("at(") and schedule.get("State") != "DISABLED":
                        zone = schedule.get("ScheduleExpressionTimezone")
                        found.append((parse_at(expression, zone), schedule))
                token = page.get("NextToken")
                if not token:
                    break
        found.sort(key=lambda pair: pair[0])
        return found

    def _fire_due_schedules(self) -> bool:
        assert self.clients is not None
        now, moved = self.clock(), False
        for when, schedule in self._one_time_schedules():
            if when > now:
                break
            self._deliver_schedule(schedule, when)
            if schedule.get("ActionAfterCompletion") == "DELETE":
                self.clients("scheduler").delete_schedule(
                    Name=schedule["Name"], GroupName=schedule["GroupName"]
                )
            moved = True
            self.log.fired_schedules += 1
        for recurring in self._recurring:
            for when in fire_times(recurring.expression, recurring.last, now, recurring.zone):
                payload = recurring.payload
                if payload is None:
                    payload = scheduled_event(recurring.name, when)
                self._invoke_async(recurring.function, f"schedule {recurring.name}", payload)
                moved = True
            recurring.last = max(recurring.last, now)
        return moved

    def _deliver_schedule(self, schedule: dict[str, Any], when: datetime) -> None:
        assert self.clients is not None
        target = schedule["Target"]
        arn, payload = str(target["Arn"]), target.get("Input", "{}")
        if ":sqs:" in arn:
            self.clients("sqs").send_message(QueueUrl=self._queue_url(arn), MessageBody=payload)
            return
        for function in self.functions.values():
            if function.arn == arn:
                self._invoke_async(function, f"schedule {schedule['Name']}", json.loads(payload))
                return
        raise LookupError(f"schedule {schedule['Name']} targets {arn}, which is not local")

    # -- eventbridge
    def _pump_rules(self) -> bool:
        assert self.clients is not None
        sqs, moved = self.clients("sqs"), False
        for rule in self._rules:
            while True:
                messages = sqs.receive_message(
                    QueueUrl=rule.tap_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
                ).get("Messages", [])
                if not messages:
                    break
                for message in messages:
                    if rule.kind == "sns":
                        event = sns_event(json.loads(message["Body"]), rule.source)
                        self._invoke_async(rule.function, "sns", event)
                    else:
                        event = eventbridge_envelope(json.loads(message["Body"]))
                        self._invoke_async(rule.function, f"rule {event['detail-type']}", event)
                    sqs.delete_message(
                        QueueUrl=rule.tap_url, ReceiptHandle=message["ReceiptHandle"]
                    )
                    moved = True
        return moved

    def _invoke_async(self, function: InProcessFunction, trigger: str, event: Any) -> None:
        """An asynchronous invocation: Lambda tries it three times, then gives up loudly."""
        for attempt in range(1, 4):
            try:
                self._invoke(function, trigger, event)
            except Exception:
                self.log.retries += attempt < 3
            else:
                return

    # -- sqs
    def _pump_queues(self) -> bool:
        assert self.clients is not None
        sqs, now, moved = self.clients("sqs"), self.clock(), False
        for mapping in self._mappings:
            for handle, when in list(mapping.retry_at.items()):
                if when <= now:
                    sqs.change_message_visibility(
                        QueueUrl=mapping.queue_url, ReceiptHandle=handle, VisibilityTimeout=0
                    )
                    del mapping.retry_at[handle]
            while True:
                messages = sqs.receive_message(
                    QueueUrl=mapping.queue_url,
                    MaxNumberOfMessages=mapping.batch_size,
                    WaitTimeSeconds=0,
                    MessageAttributeNames=["All"],
                    AttributeNames=["All"],
                ).get("Messages", [])
                if not messages:
                    break
                moved = True
                self._run_batch(mapping, messages)
        return moved

    def _run_batch(self, mapping: _Mapping, messages: list[dict[str, Any]]) -> None:
        assert self.clients is not None
        sqs = self.clients("sqs")
        event = sqs_event(messages, mapping.queue_arn)
        failed: set[str]
        try:
            result = self._invoke(mapping.function, "sqs batch", event)
        except Exception:
            failed = {message["MessageId"] for message in messages}
        else:
            failed = set()
            if mapping.partial and isinstance(result, dict):
                failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])}
        retry_at = self.clock() + mapping.visibility
        for message in messages:
            if message["MessageId"] in failed:
                mapping.retry_at[message["ReceiptHandle"]] = retry_at
            else:
                sqs.delete_message(
                    QueueUrl=mapping.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )


# ---------------------------------------------------------------------- event shapes
def eventbridge_envelope(event: dict[str, Any]) -> dict[str, Any]:
    """The event as EventBridge hands it to a Lambda target (all of its fields)."""
    full = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "account": ACCOUNT,
        "region": REGION,
        "resources": [],
    }
    full.update(event)
    full.setdefault("time", domain_clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"))
    return full


def sns_event(notification: dict[str, Any], topic_arn: str) -> dict[str, Any]:
    """What SNS hands a Lambda subscriber, from the notification it put on the tap queue."""
    return {
        "Records": [
            {
                "EventVersion": "1.0",
                "EventSubscriptionArn": f"{topic_arn}:{uuid.uuid4()}",
                "EventSource": "aws:sns",
                "Sns": {
                    "SignatureVersion": "1",
                    "Timestamp": notification.get("Timestamp", ""),
                    "Signature": notification.get("Signature", ""),
                    "SigningCertUrl": notification.get("SigningCertURL", ""),
                    "MessageId": notification.get("MessageId", str(uuid.uuid4())),
                    "Message": notification["Message"],
                    "MessageAttributes": notification.get("MessageAttributes", {}),
                    "Type": notification.get("Type", "Notification"),
                    "UnsubscribeUrl": notification.get("UnsubscribeURL", ""),
                    "TopicArn": topic_arn,
                    "Subject": notification.get("Subject"),
                },
            }
        ]
    }


def scheduled_event(name: str, when: datetime) -> dict[str, Any]:
    """What EventBridge Scheduler sends a Lambda target that has no `Input`."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "account": ACCOUNT,
        "time": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/default/{name}"],
        "detail": "{}",
    }


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    records = []
    for message in messages:
        attributes = {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value["DataType"],
            }
            for name, value in (message.get("MessageAttributes") or {}).items()
        }
        records.append(
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": attributes,
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
        )
    return {"Records": records}


_TEXT_TYPES = ("application/json", "text/", "application/x-www-form-urlencoded", "application/xml")


def http_api_event(
    method: str,
    path: str,
    query: str,
    headers: dict[str, str],
    body: bytes,
    params: dict[str, str],
    route: _Route,
    source_ip: str,
    now: datetime,
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload v2.0) event: headers lower-cased, binary bodies
    base64-encoded exactly as the service does."""
    lowered = {name.lower(): value for name, value in headers.items()}
    content_type = lowered.get("content-type", "")
    is_text = any(content_type.startswith(kind) for kind in _TEXT_TYPES)
    try:
        text = body.decode("utf-8") if is_text else None
    except UnicodeDecodeError:
        text = None
    encoded = text is None and bool(body)
    query_parameters: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        query_parameters[name] = (
            f"{query_parameters[name]},{value}" if name in query_parameters else value
        )
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{route.method} {route.path}",
        "rawPath": path,
        "rawQueryString": query,
        "headers": lowered,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "local",
            "domainName": "127.0.0.1",
            "domainPrefix": "local",
            "http": {
                "method": method.upper(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": f"{route.method} {route.path}",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "pathParameters": params,
        "isBase64Encoded": encoded,
    }
    if query_parameters:
        event["queryStringParameters"] = query_parameters
    if body:
        event["body"] = base64.b64encode(body).decode() if encoded else text
    return event


def _http_response(result: Any) -> HttpResponse:
    if isinstance(result, dict) and "statusCode" in result:
        body = result.get("body") or ""
        if result.get("isBase64Encoded"):
            body = base64.b64decode(body).decode("utf-8", "replace")
        headers = {str(k).lower(): str(v) for k, v in (result.get("headers") or {}).items()}
        return HttpResponse(int(result["statusCode"]), headers, str(body))
    # HTTP API v2 also accepts a bare value and answers 200 with it as JSON.
    return HttpResponse(200, {"content-type": "application/json"}, json.dumps(result))


@contextmanager
def local_stack(start: datetime, **options: Any) -> Iterator[LocalStack]:
    with LocalStack(start, **options) as stack:
        yield stack
