"""Many dispatchers racing for one recipient: the check that caps hold exactly.

`race_round` starts `threads` dispatchers at once (a barrier), each with its own
DynamoDB client, each dispatching a different payment reminder to the same recipient
under a policy of `cap` messages a day and no minimum gap. The channel and the
scheduler are in-memory recorders, so what is measured is the gate alone. Used by the
concurrency test (DynamoDB Local) and by the benchmark (moto's server).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from courteous import clock
from courteous.channels import OutgoingMessage
from courteous.dispatch.service import Dispatcher
from courteous.gate.decide import Action, Reason
from courteous.gate.policy import Cap, Policy
from courteous.gate.service import ContactGate
from courteous.gate.store import GateStore
from courteous.messages import Channel, MessageClass, MessageRequest, Recipient
from courteous.recipients.identity import recipient_key

RACE_KEY = b"race-contact-key"
NOON_IN_SHANGHAI = datetime(2026, 11, 18, 4, 0, tzinfo=UTC)


def race_policy(cap: int) -> Policy:
    capped = frozenset({MessageClass.SERVICE, MessageClass.MARKETING})
    return Policy(
        name="race",
        min_gap=timedelta(0),
        caps=(Cap(name="daily", classes=capped, window=timedelta(hours=24), limit=cap),),
    )


class RecordingSender:
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


class RequestIdRenderer:
    def render(self, request: MessageRequest, policy: Policy) -> OutgoingMessage:
        return OutgoingMessage(text=request.request_id, message_class=request.effective_class)


@dataclass(frozen=True)
class RaceResult:
    outcomes: Counter[tuple[Action, Reason]]
    channel_sends: int
    schedules: int
    ledger_sends: int
    audit_records: int
    errors: tuple[str, ...]

    @property
    def sent(self) -> int:
        return self.outcomes[(Action.SEND, Reason.ALLOWED)]


def race_round(
    dynamodb: Callable[[], Any],
    table: str,
    round_id: str,
    *,
    threads: int = 32,
    cap: int = 3,
) -> RaceResult:
    """One round against a fresh recipient; `dynamodb()` makes one client per thread."""
    policy = race_policy(cap)
    phone = f"+8613{abs(hash(round_id)) % 10**9:09d}"
    requests = [
        MessageRequest(
            kind="payment_reminder",
            channel="sms",
            recipient=Recipient(shop_id="shop-race", phone=phone),
            order_id=f"{round_id}-{n}",
            created_at=NOON_IN_SHANGHAI,
            dedupe_key=f"payment_reminder#{round_id}-{n}",
        )
        for n in range(threads)
    ]
    sender, scheduler = RecordingSender(), RecordingScheduler()

    def key_for(request: MessageRequest) -> str:
        return recipient_key(RACE_KEY, request.recipient.shop_id, request.contact)

    def dispatcher() -> Dispatcher:
        store = GateStore(dynamodb(), table)
        return Dispatcher(
            gate=ContactGate(store, lambda shop_id: policy, key_for),
            store=store,
            renderer=RequestIdRenderer(),
            senders={Channel.SMS: sender},
            scheduler=scheduler,
            policy_for=lambda shop_id: policy,
        )

    dispatchers = [dispatcher() for _ in range(threads)]
    start = threading.Barrier(threads)
    outcomes: Counter[tuple[Action, Reason]] = Counter()
    errors: list[str] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        start.wait()
        try:
            outcome = dispatchers[index].dispatch(requests[index])
        except Exception as exc:
            with lock:
                errors.append(repr(exc))
            return
        with lock:
            outcomes[(outcome.decision.action, outcome.decision.reason)] += 1

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    previous = clock.use_clock(lambda: NOON_IN_SHANGHAI)
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        clock.use_clock(previous)
    store = GateStore(dynamodb(), table)
    key = key_for(requests[0])
    return RaceResult(
        outcomes=outcomes,
        channel_sends=len(sender.sent),
        schedules=len(scheduler.names),
        ledger_sends=len(store.load(key).sends),
        audit_records=len(store.history(key, limit=threads * 2)),
        errors=tuple(errors),
    )
