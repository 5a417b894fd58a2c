"""Many dispatchers racing for one person: the check that caps hold exactly.

`race_round` starts `threads` dispatchers at once (a barrier), each with its own
DynamoDB client, each dispatching a different payment reminder to the same person
under a policy of `cap` messages a day and no minimum gap. With `mixed=True` the
person is a shop's customer with a phone and an e-mail address, and the requests
alternate between the two channels: the cap counts the person, across channels, so
the commits (one transaction over every ledger item of the person) still let exactly
`cap` through. The channels and the scheduler are in-memory recorders, so what is
measured is the gate alone. Used by the concurrency test (DynamoDB Local) and by the
benchmark (moto's server).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from courteous import clock
from courteous.channels import Envelope, OutgoingMessage, Sender
from courteous.dispatch.service import Dispatcher
from courteous.gate.decide import Action, Reason
from courteous.gate.policy import Cap, Policy
from courteous.gate.service import ContactGate
from courteous.gate.store import GateStore
from courteous.messages import Channel, MessageClass, MessageRequest, Recipient
from courteous.recipients.identity import customer_key, recipient_key

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
    def __init__(self, channel: Channel = Channel.SMS) -> None:
        self.channel = channel
        self.sent: list[str] = []
        self._lock = threading.Lock()

    def send(self, to: str, message: OutgoingMessage, envelope: Envelope) -> str:
        with self._lock:
            self.sent.append(message.text)
            return f"{self.channel.value}-{len(self.sent)}"


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
    mixed: bool = False,
) -> RaceResult:
    """One round against a fresh person; `dynamodb()` makes one client per thread."""
    policy = race_policy(cap)
    digits = abs(hash(round_id)) % 10**9
    phone = f"+8613{digits:09d}"
    recipient = Recipient(
        shop_id="shop-race",
        phone=phone,
        email=f"buyer-{digits}@example.com" if mixed else None,
        customer_id=f"c-{digits}" if mixed else None,
    )
    requests = [
        MessageRequest(
            kind="payment_reminder",
            channel=Channel.EMAIL if mixed and n % 2 else Channel.SMS,
            recipient=recipient,
            order_id=f"{round_id}-{n}",
            created_at=NOON_IN_SHANGHAI,
            dedupe_key=f"payment_reminder#{round_id}-{n}",
        )
        for n in range(threads)
    ]
    senders: dict[Channel, RecordingSender] = {c: RecordingSender(c) for c in Channel}
    scheduler = RecordingScheduler()

    def dispatcher() -> Dispatcher:
        store = GateStore(dynamodb(), table)
        channel_senders: dict[Channel, Sender] = dict(senders)
        return Dispatcher(
            gate=ContactGate(store, lambda shop_id: policy, RACE_KEY),
            store=store,
            renderer=RequestIdRenderer(),
            senders=channel_senders,
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
    # The person's count: the customer's ledger when the shop knows them, else the phone's.
    person = (
        customer_key(RACE_KEY, recipient.shop_id, recipient.customer_id)
        if recipient.customer_id
        else recipient_key(RACE_KEY, recipient.shop_id, phone)
    )
    contacts = [
        recipient_key(RACE_KEY, recipient.shop_id, c) for c in requests[0].contacts.values()
    ]
    return RaceResult(
        outcomes=outcomes,
        channel_sends=sum(len(sender.sent) for sender in senders.values()),
        schedules=len(scheduler.names),
        ledger_sends=len(store.load(person).sends),
        audit_records=sum(len(store.history(key, limit=threads * 2)) for key in contacts),
        errors=tuple(errors),
    )
