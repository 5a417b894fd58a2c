"""Caps hold exactly under concurrency, on AWS's own DynamoDB engine.

32 dispatchers race for one recipient whose policy allows 3 messages a day: exactly 3
are sent, the rest are deferred, in every round. DynamoDB Local honours conditional
writes and transactions as DynamoDB does; when Java or the jar is missing the test says
so and runs against moto's server instead.
"""

from __future__ import annotations

import threading
import warnings
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from courteous import clock
from courteous.channels import OutgoingMessage
from courteous.dispatch.service import Dispatcher
from courteous.gate.decide import Action, Reason
from courteous.gate.policy import Policy
from courteous.gate.service import ContactGate
from courteous.gate.store import GateStore
from courteous.messages import Channel, MessageRequest, Recipient
from courteous.recipients.identity import recipient_key
from courteous_local.provision import provision
from courteous_local.servers import Engine, dynamodb_engine
from courteous_local.template import default_template_path, load_template

THREADS = 32
ROUNDS = 5
CAP = 3
KEY = b"concurrency-test-key"
NOON_IN_SHANGHAI = datetime(2026, 11, 18, 4, 0, tzinfo=UTC)
POLICY = Policy(name="concurrency", min_gap=timedelta(0))


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with dynamodb_engine() as running:
        if running.note:
            warnings.warn(running.note, stacklevel=1)
        yield running


@pytest.fixture(scope="module")
def gate_table(engine: Engine) -> str:
    created = provision(
        load_template(default_template_path()),
        lambda service: _client(engine),
        stack_name="concurrency",
        only=frozenset({"AWS::DynamoDB::Table"}),
    )
    return created.ref("GateTable")


def _client(engine: Engine) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=engine.endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


class CountingSender:
    channel = Channel.SMS

    def __init__(self) -> None:
        self.sent: list[str] = []
        self._lock = threading.Lock()

    def send(self, to: str, message: OutgoingMessage) -> str:
        with self._lock:
            self.sent.append(message.text)
            return f"sms-{len(self.sent)}"


class RecordingScheduler:
    def __init__(self) -> None:
        self.names: list[str] = []
        self._lock = threading.Lock()

    def schedule(self, name: str, at: datetime, payload: str) -> bool:
        with self._lock:
            self.names.append(name)
        return True


class TextRenderer:
    def render(self, request: MessageRequest, policy: Policy) -> OutgoingMessage:
        return OutgoingMessage(text=request.request_id, message_class=request.effective_class)


def _dispatcher(client: Any, table: str, sender: CountingSender, scheduler: Any) -> Dispatcher:
    store = GateStore(client, table)

    def key_for(request: MessageRequest) -> str:
        return recipient_key(KEY, request.recipient.shop_id, request.contact)

    return Dispatcher(
        gate=ContactGate(store, lambda shop_id: POLICY, key_for),
        store=store,
        renderer=TextRenderer(),
        senders={Channel.SMS: sender},
        scheduler=scheduler,
        policy_for=lambda shop_id: POLICY,
    )


@pytest.fixture
def at_noon_in_shanghai() -> Iterator[None]:
    previous = clock.use_clock(lambda: NOON_IN_SHANGHAI)
    yield
    clock.use_clock(previous)


@pytest.mark.usefixtures("at_noon_in_shanghai")
@pytest.mark.parametrize("round_number", range(ROUNDS))
def test_32_dispatchers_send_exactly_the_cap(
    engine: Engine, gate_table: str, round_number: int
) -> None:
    # Given one recipient (new each round), a cap of 3 a day and 32 payment reminders
    phone = f"+86138001{round_number:05d}"
    requests = [
        MessageRequest(
            kind="payment_reminder",
            channel="sms",
            recipient=Recipient(shop_id="shop-race", phone=phone),
            order_id=f"order-{round_number}-{n}",
            created_at=NOON_IN_SHANGHAI,
            dedupe_key=f"payment_reminder#{round_number}-{n}",
        )
        for n in range(THREADS)
    ]
    sender, scheduler = CountingSender(), RecordingScheduler()
    dispatchers = [
        _dispatcher(_client(engine), gate_table, sender, scheduler) for _ in range(THREADS)
    ]
    start = threading.Barrier(THREADS)
    outcomes: list[tuple[Action, Reason]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        start.wait()
        try:
            outcome = dispatchers[index].dispatch(requests[index])
        except BaseException as exc:
            with lock:
                errors.append(exc)
            return
        with lock:
            outcomes.append((outcome.decision.action, outcome.decision.reason))

    # When 32 threads dispatch at once
    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then exactly 3 were sent and the other 29 deferred by the cap, none lost
    assert errors == []
    counted = Counter(outcomes)
    assert counted[(Action.SEND, Reason.ALLOWED)] == CAP
    assert counted[(Action.DEFER, Reason.FREQUENCY_CAP)] == THREADS - CAP
    assert len(sender.sent) == CAP
    assert len(scheduler.names) == THREADS - CAP
    # And the ledger agrees with the channel
    store = GateStore(_client(engine), gate_table)
    key = recipient_key(KEY, "shop-race", phone)
    assert len(store.load(key).sends) == CAP
    assert len(store.history(key, limit=100)) == THREADS
