"""Dispatch one outbox request.

1. Render it (templates and content policy). A content-policy violation is recorded
   as SUPPRESS `content_policy` and goes no further.
2. Admit it through the contact gate (decide + one conditional commit).
3. SEND: unless the delivery log already has this request id (a retry after the send),
   call the channel and write the delivery log. DEFER: a one-time schedule puts the
   request back on the outbox at `not_before`. SUPPRESS: recorded by the gate; done.

The ledger entry and the send are tied by the request id: a dispatcher that dies after
the commit and before the send is retried, the gate recognises the committed request
(`retry_of_committed_send`) without counting it twice, and the send happens then.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from courteous import clock
from courteous.channels import OutgoingMessage, Sender
from courteous.errors import ContentViolation
from courteous.gate.decide import Action, Decision, Reason, suppressed_for_content
from courteous.gate.policy import Policy
from courteous.gate.service import ContactGate
from courteous.gate.store import Delivery, GateStore, GateStoreError
from courteous.messages import Channel, MessageRequest
from courteous.observability import logger, metrics


class DeferScheduler(Protocol):
    def schedule(self, name: str, at: datetime, payload: str) -> bool:
        """A one-time schedule that puts `payload` back on the outbox at `at`."""
        ...


class Renderer(Protocol):
    def render(self, request: MessageRequest, policy: Policy) -> OutgoingMessage:
        """The message for `request`; raises `ContentViolation`."""
        ...


@dataclass(frozen=True)
class Outcome:
    decision: Decision
    recipient_key: str
    provider_message_id: str | None = None


def defer_schedule_name(request: MessageRequest) -> str:
    return f"defer-{request.request_id[:40]}-{request.deferrals + 1}"


class Dispatcher:
    def __init__(
        self,
        gate: ContactGate,
        store: GateStore,
        renderer: Renderer,
        senders: Mapping[Channel, Sender],
        scheduler: DeferScheduler,
        policy_for: PolicyLookup,
    ) -> None:
        self._gate = gate
        self._store = store
        self._renderer = renderer
        self._senders = senders
        self._scheduler = scheduler
        self._policy_for = policy_for

    def dispatch(self, request: MessageRequest) -> Outcome:
        policy = self._policy_for(request.recipient.shop_id)
        try:
            message = self._renderer.render(request, policy)
        except ContentViolation as violation:
            decision = suppressed_for_content(policy, request, violation.rule, clock.now())
            key = self._gate.record(request, decision)
            self._count(request, decision)
            return Outcome(decision=decision, recipient_key=key)

        admission = self._gate.admit(request)
        decision, key = admission.decision, admission.recipient_key
        self._count(request, decision)
        if decision.action is Action.SEND:
            return self._send(request, message, decision, key)
        if decision.action is Action.DEFER:
            assert decision.not_before is not None
            again = request.deferred(decision.not_before)
            self._scheduler.schedule(
                defer_schedule_name(request), decision.not_before, again.model_dump_json()
            )
        return Outcome(decision=decision, recipient_key=key)

    def _send(
        self, request: MessageRequest, message: OutgoingMessage, decision: Decision, key: str
    ) -> Outcome:
        # Only a request the ledger already held can have been sent before: a fresh
        # commit proves no earlier attempt got past the gate, so no read is needed.
        if decision.reason is Reason.RETRY:
            done = self._store.delivery(key, request.request_id)
            if done is not None:
                logger.info("already delivered", request_id=request.request_id)
                return Outcome(decision, key, done.provider_message_id)
        sender = self._senders[request.channel]
        message_id = sender.send(request.contact, message)
        delivery = Delivery(
            request_id=request.request_id,
            channel=request.channel,
            provider_message_id=message_id,
            sent_at=clock.now(),
        )
        try:
            self._store.record_delivery(key, delivery)
        except GateStoreError:
            # The message is out. Failing the record now would make SQS redeliver it and
            # send it again; the missing log entry is the smaller harm, and it is loud.
            logger.exception(
                "sent, but the delivery log write failed", request_id=request.request_id
            )
            metrics.add_metric(name="DeliveryLogWriteFailed", unit="Count", value=1)
        return Outcome(decision, key, message_id)

    @staticmethod
    def _count(request: MessageRequest, decision: Decision) -> None:
        logger.info(
            "gate decision",
            request_id=request.request_id,
            kind=request.kind.value,
            order_id=request.order_id,
            action=decision.action.value,
            reason=decision.reason.value,
            zone=decision.zone_label,
            policy=decision.policy_version,
        )
        metrics.add_metric(name=f"Gate{decision.action.value.title()}", unit="Count", value=1)


class PolicyLookup(Protocol):
    def __call__(self, shop_id: str) -> Policy: ...
