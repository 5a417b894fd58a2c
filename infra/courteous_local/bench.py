"""`courteous bench`: the claims "fast, cheap, exact" as numbers measured side by side.

- `aws_calls_per_message`: AWS API calls the dispatcher makes per SENT message with no
  contention, counted with botocore's own event hooks against moto (in-process), plus
  the SQS receive and delete the event-source mapping makes, amortised per batch of 10.
- `dispatch_msgs_per_s`, `dispatch_ratio_vs_noop`: the dispatch handler's batch path
  (Powertools BatchProcessor, parsing, rendering, the gate, the channel call, logging)
  over in-memory fakes of the AWS side, and its speed relative to a no-op record handler
  fed the same batches, in the same process, in the same run.
- `cold_import_ratio_max`: each handler module imported in a fresh interpreter, divided
  by `import boto3` in a fresh interpreter; medians of interleaved runs.
- `over_cap_sends`: 32 racing dispatchers per round, cap 3, on DynamoDB Local (moto's server
  when Java is absent, said in the figures).
- `cost_per_million_usd`: the counted calls and capacity units priced with `PRICES`.
Nothing here is a test: the numbers are printed, with the targets beside them.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from courteous_local.inprocess import EMULATED_ENV, emulated_stack, function_logs_to

REPO_ROOT = Path(__file__).resolve().parents[2]
NOON_IN_SHANGHAI = datetime(2026, 11, 18, 4, 0, tzinfo=UTC)
BATCH = 10
CONTACT_KEY_PARAMETER = "/courteous/contact-hash-key"

# List prices, us-east-1, USD, as published in 2025 (DynamoDB on-demand after the
# November 2024 reduction). Not fetched at run time; update the table and its date
# when AWS changes them. SES and SMS are per message sent and listed apart.
PRICES_AS_OF = "2025 list prices, us-east-1"
PRICES: dict[str, float] = {
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_second_arm64": 0.0000133334,
    "dynamodb_wru": 0.625 / 1e6,
    "dynamodb_rru": 0.125 / 1e6,
    "sqs_request": 0.40 / 1e6,
    "eventbridge_event": 1.00 / 1e6,
    "scheduler_invocation": 1.00 / 1e6,
    "cloudwatch_logs_gb": 0.50,
}
CHANNEL_PRICES: dict[str, str] = {
    "ses_email": "0.10 USD per 1,000 e-mails",
    "sms": "per destination country, e.g. about 0.0058 USD + carrier fees per US SMS",
}
# Modelling assumptions for the parts a local run cannot observe.
ASSUMED_CALL_LATENCY_S = 0.010  # one AWS API round trip from Lambda, same region
LAMBDA_MEMORY_GB = 0.25  # MemorySize 256 in template.yaml
LOG_BYTES_PER_MESSAGE = 600  # the decision log line and the batch's share of others

TARGETS = {
    "aws_calls_per_message": ("<=", 3.0),
    "dispatch_msgs_per_s": (">=", 2000.0),
    "cold_import_ratio_max": ("<=", 1.5),
    "over_cap_sends": ("<=", 0.0),
    "cost_per_million_usd": ("<=", 5.0),
}


# ---------------------------------------------------------------------- samples
def sample_request(n: int, *, shop_id: str = "shop-bench") -> str:
    """A payment reminder to a distinct Shanghai mobile, as a flow would enqueue it."""
    from courteous.messages import MessageRequest

    records = json.loads(
        (REPO_ROOT / "events/dispatch/outbox_batch.json").read_text(encoding="utf-8")
    )["Records"]
    body = json.loads(records[0]["body"])
    body["request_id"] = f"bench{n:010d}"
    body["recipient"]["phone"] = f"+86138{n:08d}"
    body["recipient"]["customer_id"] = f"bench-customer-{n}"
    body["recipient"]["shop_id"] = shop_id
    body["order_id"] = body["dedupe_key"] = f"bench-{n}"
    return MessageRequest.model_validate(body).model_dump_json()


def sqs_batches(bodies: list[str]) -> list[dict[str, Any]]:
    from courteous_local.stack import sqs_event

    batches = []
    for start in range(0, len(bodies), BATCH):
        messages = [
            {
                "MessageId": f"msg-{start + i}",
                "ReceiptHandle": f"rh-{start + i}",
                "Body": body,
                "MD5OfBody": "",
                "Attributes": {"ApproximateReceiveCount": "1"},
            }
            for i, body in enumerate(bodies[start : start + BATCH])
        ]
        batches.append(sqs_event(messages, "arn:aws:sqs:us-east-1:123456789012:bench-outbox"))
    return batches


@contextmanager
def _clock_at(instant: datetime) -> Iterator[None]:
    from courteous import clock

    previous = clock.use_clock(lambda: instant)
    try:
        yield
    finally:
        clock.use_clock(previous)


@contextmanager
def _quiet_logs() -> Iterator[None]:
    """Decision logs still formatted (their cost counts), written to /dev/null."""
    with open(os.devnull, "w", encoding="utf-8") as devnull, function_logs_to(devnull):
        yield


def _renderer() -> Any:
    from courteous.rendering import default_renderer

    return default_renderer()


# ---------------------------------------------------------------------- calls
@dataclass(frozen=True)
class CallCount:
    per_message: float
    breakdown: dict[str, float]
    sent: int


def count_calls(messages: int = 50) -> CallCount:
    """Dispatch `messages` allowed SMS to distinct recipients against moto; count calls."""
    import boto3

    from courteous.dispatch.settings import DispatchSettings
    from courteous.dispatch.wiring import build_consumer
    from courteous.gate.decide import Action
    from courteous_local.instrument import ClientFactory

    with emulated_stack() as created, _clock_at(NOON_IN_SHANGHAI), _quiet_logs():
        environment = created.functions["DispatchFunction"].environment
        os.environ.update(environment)
        boto3.client("ssm").put_parameter(
            Name=environment["CONTACT_HASH_KEY_PARAMETER"],
            Value="bench-key",
            Type="SecureString",
        )
        factory = ClientFactory()
        consumer = build_consumer(DispatchSettings.from_env(), _renderer(), factory)
        bodies = [sample_request(n) for n in range(messages)]
        factory.calls.reset()
        outcomes = [consumer.handle(body) for body in bodies]
    sent = sum(1 for o in outcomes if o is not None and o.decision.action is Action.SEND)
    if sent == 0:
        raise RuntimeError("the benchmark sample was not sent: check the sample's hour")
    breakdown = {
        f"{service}.{operation}": count / sent
        for (service, operation), count in sorted(factory.calls.counts.items())
    }
    # The event-source mapping receives and deletes once per batch of 10.
    breakdown["sqs.ReceiveMessage (mapping)"] = 1 / BATCH
    breakdown["sqs.DeleteMessageBatch (mapping)"] = 1 / BATCH
    return CallCount(sum(breakdown.values()), breakdown, sent)


# ---------------------------------------------------------------------- throughput
@dataclass(frozen=True)
class Throughput:
    messages: int
    dispatch_s: float
    noop_s: float
    capacity_per_message: dict[str, float]

    @property
    def msgs_per_s(self) -> float:
        return self.messages / self.dispatch_s

    @property
    def ratio_vs_noop(self) -> float:
        return self.noop_s / self.dispatch_s


def measure_throughput(messages: int) -> Throughput:
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    from courteous.dispatch.settings import DispatchSettings
    from courteous.dispatch.wiring import build_consumer
    from courteous_local.fakes import MemoryDynamoDB, fake_clients

    settings = DispatchSettings(
        gate_table_name="gate",
        outbox_queue_arn="arn:aws:sqs:us-east-1:123456789012:outbox",
        outbox_dlq_url="https://sqs.us-east-1.amazonaws.com/123456789012/outbox-dlq",
        schedule_group_name="courteous",
        scheduler_role_arn="arn:aws:iam::123456789012:role/scheduler",
        sender_email="orders@example.com",
        contact_hash_key_parameter=CONTACT_KEY_PARAMETER,
    )
    clients = fake_clients({CONTACT_KEY_PARAMETER: "bench-key"})
    consumer = build_consumer(settings, _renderer(), clients)
    batches = sqs_batches([sample_request(n) for n in range(messages)])
    noop_batches = sqs_batches([sample_request(n) for n in range(messages)])

    def run(batches: list[dict[str, Any]], handle: Callable[[Any], object]) -> float:
        processor = BatchProcessor(event_type=EventType.SQS)
        started = time.perf_counter()
        for event in batches:
            response = process_partial_response(
                event=event, record_handler=handle, processor=processor
            )
            if response["batchItemFailures"]:
                raise RuntimeError(f"benchmark batch failed: {response}")
        return time.perf_counter() - started

    with _clock_at(NOON_IN_SHANGHAI), _quiet_logs():
        noop_s = run(noop_batches, lambda record: None)
        dispatch_s = run(batches, lambda record: consumer.handle(record.body))
    dynamodb = clients("dynamodb")
    assert isinstance(dynamodb, MemoryDynamoDB)
    capacity = {unit: value / messages for unit, value in dynamodb.capacity.items()}
    return Throughput(messages, dispatch_s, noop_s, capacity)


# ---------------------------------------------------------------------- imports
def _import_seconds(code: str) -> float:
    program = (
        "import time, importlib.util\n"
        "started = time.perf_counter()\n"
        f"{code}\n"
        "print(time.perf_counter() - started)\n"
    )
    env = {**os.environ, **EMULATED_ENV, "PYTHONDONTWRITEBYTECODE": "0"}
    result = subprocess.run(  # noqa: S603 - this interpreter, a fixed program
        [sys.executable, "-c", program], capture_output=True, text=True, env=env, check=True
    )
    return float(result.stdout.strip().splitlines()[-1])


def handler_modules() -> dict[str, Path]:
    return {
        path.parent.name: path for path in sorted((REPO_ROOT / "functions").glob("*/handler.py"))
    }


def cold_imports(runs: int) -> dict[str, Any]:
    """Medians of interleaved fresh-interpreter imports, as ratios to `import boto3`."""
    modules = handler_modules()
    loaders = {
        name: (
            f"spec = importlib.util.spec_from_file_location('handler', {str(path)!r})\n"
            "module = importlib.util.module_from_spec(spec)\n"
            "spec.loader.exec_module(module)"
        )
        for name, path in modules.items()
    }
    _import_seconds("import boto3")  # warm the file cache and bytecode once
    for code in loaders.values():
        _import_seconds(code)
    samples: dict[str, list[float]] = {"boto3": [], **{name: [] for name in loaders}}
    for _ in range(runs):
        samples["boto3"].append(_import_seconds("import boto3"))
        for name, code in loaders.items():
            samples[name].append(_import_seconds(code))
    baseline = statistics.median(samples["boto3"])
    ratios = {name: statistics.median(samples[name]) / baseline for name in loaders}
    return {
        "boto3_import_s": round(baseline, 4),
        "handler_import_s": {name: round(statistics.median(samples[name]), 4) for name in loaders},
        "ratios": {name: round(ratio, 2) for name, ratio in ratios.items()},
        "max": round(max(ratios.values()), 2) if ratios else None,
    }


# ---------------------------------------------------------------------- races
def over_cap(rounds: int, threads: int = 32, cap: int = 3) -> dict[str, Any]:

    from courteous_local.provision import provision
    from courteous_local.race import race_round
    from courteous_local.servers import dynamodb_engine, local_dynamodb_client
    from courteous_local.template import default_template_path, load_template

    # AWS's own engine when it can run here: moto's server does not make a multi-item
    # transaction atomic against concurrent requests, which is what this measures.
    with dynamodb_engine() as engine, _quiet_logs():

        def client() -> Any:
            return local_dynamodb_client(engine.endpoint)

        created = provision(
            load_template(default_template_path()),
            lambda service: client(),
            stack_name="bench",
            only=frozenset({"AWS::DynamoDB::Table"}),
        )
        table = created.ref("GateTable")
        results = [
            race_round(client, table, f"bench-{n}", threads=threads, cap=cap) for n in range(rounds)
        ]
    over = sum(max(0, r.channel_sends - cap) + max(0, r.ledger_sends - cap) for r in results)
    return {
        "engine": engine.name,
        "rounds": rounds,
        "threads": threads,
        "cap": cap,
        "over_cap_sends": over,
        "sent_per_round": [r.channel_sends for r in results],
        "errors": sum(len(r.errors) for r in results),
    }


# ---------------------------------------------------------------------- webhooks
def count_webhook_calls(deliveries: int = 20) -> float:
    """AWS calls per accepted Shopify orders/create delivery (each a new delivery id)."""
    import boto3

    from courteous_local.instrument import ClientFactory
    from courteous_local.runtime import InProcessFunction

    sample = json.loads(
        (REPO_ROOT / "events/webhooks/shopify_orders_create.json").read_text(encoding="utf-8")
    )
    original = boto3.client
    try:
        with emulated_stack() as created, _quiet_logs():
            spec = created.functions["IngestWebhookFunction"]
            os.environ.update(spec.environment)
            boto3.client("ssm").put_parameter(
                Name="/courteous/webhook-secrets/acme-shop/shopify",
                Value="shpss_sample_secret",
                Type="SecureString",
            )
            boto3.client("ssm").put_parameter(
                Name="/courteous/shops/acme-shop/settings",
                Value=json.dumps({"shopify_domain": "acme-shop.myshopify.com"}),
                Type="String",
            )
            factory = ClientFactory()
            boto3.client = factory
            function = InProcessFunction(spec, 0, "arn:ingest")
            accepted = 0
            for n in range(deliveries):
                event = json.loads(json.dumps(sample))
                event["headers"]["x-shopify-webhook-id"] = f"bench-delivery-{n}"
                if function.invoke(event)["statusCode"] == 202:
                    accepted += 1
            function.unload()
    finally:
        boto3.client = original
    return factory.calls.total() / max(accepted, 1)


# ---------------------------------------------------------------------- fan-out
def birthday_fanout(stack: Any, customers: int, shop: str) -> dict[str, Any]:
    """The hourly birthday run over `customers` profiles born today, on the local stack
    (DynamoDB Local for the tables, moto's server for the outbox queue)."""
    from courteous.customers.store import CustomerStore, birthday_key
    from courteous.flows.birthday import BirthdayRun, GreetingMarks
    from courteous.flows.outbox import Outbox
    from courteous.flows.settings import settings_from_json
    from courteous_local.fakes import fake_clients
    from courteous_local.instrument import ClientFactory

    table = stack.resources.ref("CustomerTable")
    seed = stack.clients("dynamodb")
    items = []
    for n in range(customers):
        profile = {
            "customer_id": f"c{n}",
            "phone": f"+86138{n:08d}",
            "zone": "Asia/Shanghai",
            "birthday": {"month": 11, "day": 19},
            "consent": {"sms": {"marketing": True}},
        }
        items.append(
            {
                "PutRequest": {
                    "Item": {
                        "pk": {"S": f"{shop}#c{n}"},
                        "sk": {"S": "PROFILE"},
                        "shop_id": {"S": shop},
                        "profile": {"S": json.dumps(profile)},
                        "version": {"N": "1"},
                        "birthday_key": {"S": birthday_key(shop, 11, 19)},
                    }
                }
            }
        )
    for start in range(0, len(items), 25):
        request = {table: items[start : start + 25]}
        while request:
            request = seed.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
    factory = ClientFactory(endpoints={"dynamodb": stack.dynamodb.endpoint}, max_attempts=3)
    # The outbox is an answering fake: moto's queue slows down with every message it
    # holds, which would measure the emulator, not the run. Its calls are counted.
    outbox_sqs = fake_clients({})("sqs")
    run = BirthdayRun(
        shops=lambda: [shop],
        settings_for=lambda s: settings_from_json(s, '{"shop_domain": "shop.example"}'),
        profiles=CustomerStore(factory("dynamodb"), table),
        marks=GreetingMarks(factory("dynamodb"), stack.resources.ref("OrderTable")),
        outbox=Outbox(outbox_sqs, "https://sqs.local/outbox"),
    )
    factory.calls.reset()
    started = time.perf_counter()
    with _quiet_logs():
        result = run.run(datetime(2026, 11, 19, 2, 0, tzinfo=UTC))
    seconds = time.perf_counter() - started
    calls = factory.calls.total() + sum(outbox_sqs.calls.values())
    return {
        "customers": customers,
        "greetings": len(result.requests),
        "seconds": round(seconds, 2),
        "aws_calls": calls,
        "calls_per_customer": round(calls / customers, 3),
    }


def fanout(quick: bool) -> dict[str, Any]:
    from courteous_local.stack import LocalStack

    small, large = (500, 5_000) if quick else (10_000, 100_000)
    with LocalStack(NOON_IN_SHANGHAI) as stack:
        engine = stack.dynamodb.name if stack.dynamodb else "?"
        a = birthday_fanout(stack, small, "fanout-small")
        b = birthday_fanout(stack, large, "fanout-large")
    return {
        "runs": [a, b],
        "seconds_ratio": round(b["seconds"] / a["seconds"], 2) if a["seconds"] else None,
        "calls_ratio": round(b["aws_calls"] / a["aws_calls"], 2) if a["aws_calls"] else None,
        "size_ratio": large / small,
        "engine": f"{engine} for the tables; the outbox queue is a counting fake",
    }


# ---------------------------------------------------------------------- cost
def cost_per_million(calls: CallCount, throughput: Throughput) -> dict[str, Any]:
    """USD for 1M sent messages: the counted calls and units times `PRICES`."""
    million = 1e6
    per_message_cpu_s = throughput.dispatch_s / throughput.messages
    dispatch_duration_s = per_message_cpu_s + calls.per_message * ASSUMED_CALL_LATENCY_S
    lines = {
        # One webhook invocation and one flow invocation per message, a tenth of a
        # dispatch invocation (batches of 10), and the dispatch duration.
        "lambda_requests": (1 + 1 + 1 / BATCH) * million * PRICES["lambda_request"],
        "lambda_duration": dispatch_duration_s
        * LAMBDA_MEMORY_GB
        * million
        * PRICES["lambda_gb_second_arm64"],
        "dynamodb_writes": throughput.capacity_per_message.get("WRU", 0.0)
        * million
        * PRICES["dynamodb_wru"],
        "dynamodb_reads": throughput.capacity_per_message.get("RRU", 0.0)
        * million
        * PRICES["dynamodb_rru"],
        # The flow's SendMessage plus the mapping's receive and delete per batch.
        "sqs": (1 + 2 / BATCH) * million * PRICES["sqs_request"],
        "eventbridge_events": million * PRICES["eventbridge_event"],
        # Every message assumed to pass through one schedule (reminders, deferrals).
        "scheduler": million * PRICES["scheduler_invocation"],
        "cloudwatch_logs": LOG_BYTES_PER_MESSAGE * million / 1e9 * PRICES["cloudwatch_logs_gb"],
    }
    return {
        "total": round(sum(lines.values()), 3),
        "lines": {name: round(value, 3) for name, value in lines.items()},
        "prices": PRICES_AS_OF,
        "channel_fees_not_included": CHANNEL_PRICES,
        "assumptions": {
            "call_latency_s": ASSUMED_CALL_LATENCY_S,
            "lambda_memory_gb": LAMBDA_MEMORY_GB,
            "log_bytes_per_message": LOG_BYTES_PER_MESSAGE,
        },
    }


# ---------------------------------------------------------------------- all
def run_bench(quick: bool, progress: Callable[[str], None]) -> dict[str, Any]:
    progress("counting AWS calls per message (moto, in-process) ...")
    calls = count_calls(30 if quick else 100)
    progress("counting AWS calls per webhook (moto, in-process) ...")
    webhook_calls = count_webhook_calls(10 if quick else 50)
    progress("measuring dispatch throughput against in-memory AWS ...")
    throughput = measure_throughput(2000 if quick else 10000)
    progress("timing cold imports of every handler (fresh interpreters) ...")
    imports = cold_imports(5 if quick else 11)
    progress("racing 32 dispatchers per round against moto's server ...")
    with _quiet_logs():
        races = over_cap(5 if quick else 20)
    progress("birthday run fan-out ...")
    spread = fanout(quick)
    progress("audiences: orders import and RFM recompute ...")
    from courteous_local.bench_audiences import audiences

    audience = audiences(quick, progress)
    cost = cost_per_million(calls, throughput)
    result: dict[str, Any] = {
        "quick": quick,
        "aws_calls_per_message": round(calls.per_message, 3),
        "aws_calls_breakdown": {k: round(v, 3) for k, v in calls.breakdown.items()},
        "aws_calls_per_webhook": round(webhook_calls, 3),
        "dispatch_msgs_per_s": round(throughput.msgs_per_s, 1),
        "dispatch_ratio_vs_noop": round(throughput.ratio_vs_noop, 4),
        "noop_msgs_per_s": round(throughput.messages / throughput.noop_s, 1),
        "dynamodb_units_per_message": {
            k: round(v, 3) for k, v in throughput.capacity_per_message.items()
        },
        "cold_import_ratio_max": imports["max"],
        "cold_imports": imports,
        "over_cap_sends": races["over_cap_sends"],
        "races": races,
        "fanout": spread,
        "audiences": audience,
        "cost_per_million_usd": cost["total"],
        "cost": cost,
        "targets": {name: f"{op} {value:g}" for name, (op, value) in TARGETS.items()},
        "targets_met": _targets_met(
            {
                "aws_calls_per_message": calls.per_message,
                "dispatch_msgs_per_s": throughput.msgs_per_s,
                "cold_import_ratio_max": imports["max"],
                "over_cap_sends": races["over_cap_sends"],
                "cost_per_million_usd": cost["total"],
            }
        ),
    }
    result["notes"] = {
        name: NOTES[name]
        for name, met in result["targets_met"].items()
        if met is False and name in NOTES
    }
    return result


NOTES = {
    "aws_calls_per_message": (
        "ledger read + one transactional commit + channel + delivery-log write: the write "
        "after the send is what makes a retry after a crash never send twice (docs/bench.md)"
    ),
    "cold_import_ratio_max": (
        "what is left (pydantic, Powertools batch/parser, Jinja2, Babel, phonenumbers) is used "
        "on every invocation of the functions that import it; deferring it would only move "
        "the time into the first invocation (docs/bench.md)"
    ),
    "cost_per_million_usd": (
        "the two-item ledger+audit transaction is 2.5 USD alone, and Scheduler is counted "
        "for every message, which is pessimistic (docs/bench.md)"
    ),
    "dispatch_msgs_per_s": "measured on one core of this machine; varies with its load",
}


def _targets_met(values: dict[str, Any]) -> dict[str, bool | None]:
    met: dict[str, bool | None] = {}
    for name, (op, target) in TARGETS.items():
        value = values.get(name)
        if value is None:
            met[name] = None
        else:
            met[name] = value <= target if op == "<=" else value >= target
    return met


def format_table(result: dict[str, Any]) -> str:
    rows = [
        ("aws_calls_per_message", result["aws_calls_per_message"]),
        ("aws_calls_per_webhook", result["aws_calls_per_webhook"]),
        ("dispatch_msgs_per_s", result["dispatch_msgs_per_s"]),
        ("dispatch_ratio_vs_noop", result["dispatch_ratio_vs_noop"]),
        ("cold_import_ratio_max", result["cold_import_ratio_max"]),
        ("over_cap_sends", result["over_cap_sends"]),
        ("cost_per_million_usd", result["cost_per_million_usd"]),
    ]
    lines = [f"{'measure':<26}{'value':>14}  {'target':<10} met"]
    for name, value in rows:
        target = result["targets"].get(name, "")
        met = result["targets_met"].get(name)
        mark = "" if met is None else ("yes" if met else "NO")
        lines.append(f"{name:<26}{value!s:>14}  {target:<10} {mark}")
    lines.append("")
    lines.append(
        "calls per sent message: "
        + ", ".join(f"{name} {value:g}" for name, value in result["aws_calls_breakdown"].items())
    )
    lines.append(
        "cold imports (x boto3): "
        + ", ".join(f"{k} {v:g}" for k, v in result["cold_imports"]["ratios"].items())
    )
    spread = result["fanout"]
    lines.append(
        "birthday fan-out: "
        + ", ".join(
            f"{r['customers']} in {r['seconds']} s / {r['aws_calls']} calls" for r in spread["runs"]
        )
        + f" (x{spread['size_ratio']:g} customers: x{spread['seconds_ratio']} time, "
        f"x{spread['calls_ratio']} calls)"
    )
    from courteous_local.bench_audiences import format_lines

    lines.extend(format_lines(result["audiences"]))
    lines.append(
        "cost per 1M (USD): "
        + ", ".join(f"{k} {v:g}" for k, v in result["cost"]["lines"].items())
        + f"  [{result['cost']['prices']}]"
    )
    return "\n".join(lines)
