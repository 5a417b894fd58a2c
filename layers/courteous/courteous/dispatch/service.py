"""Dispatch one outbox request.

1. Admit it through the contact gate: one read of the person's ledger items, the
   channel chosen with the decision (consent, preference, the shop's order; a channel
   that refuses for its own reason passes to the next), one conditional commit. Each
   candidate channel's message is rendered when the choice reaches it, so a message a
   channel cannot carry (content policy, an SMS too long) tries the next one.
2. SEND: unless the delivery log already has this request id (a retry after the send),
   give the message to the chosen channel with the shop's own sender (and, for
   marketing and service e-mail, the one-click unsubscribe), then write the delivery
   log. DEFER: a one-time schedule puts the request back on the outbox at `not_before`.
   SUPPRESS: recorded by the gate with its reason; done.

The ledger entry and the send are tied by the request id: a dispatcher that dies after
the commit and before the send is retried, the gate recognises the committed request
(`retry_of_committed_send`, on the channel it was committed for) without counting it
twice, and the send happens then. A channel that refuses the message for its recipient
(an opted-out number, an address SES rejects) is recorded as SUPPRESS with that reason,
never retried; the send stays counted, since the gate had committed it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from courteous import clock
from courteous.channels import (
    ChannelRefused,
    Envelope,
    OutgoingMessage,
    Sender,
)
from courteous.channels.choice import ChannelChoice
from courteous.channels.settings import ShopChannels
from courteous.errors import ContentViolation
from courteous.gate.decide import Action, Decision, Reason, suppressed_for_content
from courteous.gate.ledger_state import LedgerKeys, Undeliverable, UndeliverableReason
from courteous.gate.policy import Policy
from courteous.gate.service import ContactGate
from courteous.gate.store import Delivery, GateStore, GateStoreError
from courteous.messages import Channel, MessageRequest
from courteous.observability import logger, metrics
from courteous.rendering.renderer import template_locale
from courteous.unsubscribe.links import LISTED_CLASSES, UnsubscribeLinks


class DeferScheduler(Protocol):
    def schedule(self, name: str, at: datetime, payload: str) -> bool:
        """A one-time schedule that puts `payload` back on the outbox at `at`."""
        ...


class Renderer(Protocol):
    def render(self, request: MessageRequest, policy: Policy) -> OutgoingMessage:
        """The message for `request` (pinned to one channel); raises `ContentViolation`."""
        ...


class PolicyLookup(Protocol):
    def __call__(self, shop_id: str) -> Policy: ...


@dataclass(frozen=True)
class Outcome:
    decision: Decision
    recipient_key: str
    provider_message_id: str | None = None
    channel: Channel | None = None
    choice: ChannelChoice | None = None
    message: OutgoingMessage | None = None


def defer_schedule_name(request: MessageRequest) -> str:
    return f"defer-{request.request_id[:40]}-{request.deferrals + 1}"


def _no_shop_settings(shop_id: str) -> ShopChannels:
    return ShopChannels()


class Dispatcher:
    def __init__(
        self,
        gate: ContactGate,
        store: GateStore,
        renderer: Renderer,
        senders: Mapping[Channel, Sender],
        scheduler: DeferScheduler,
        policy_for: PolicyLookup,
        channels_for: Callable[[str], ShopChannels] = _no_shop_settings,
        unsubscribe: UnsubscribeLinks | None = None,
    ) -> None:
        self._gate = gate
        self._store = store
        self._renderer = renderer
        self._senders = senders
        self._scheduler = scheduler
        self._policy_for = policy_for
        self._channels_for = channels_for
        self._unsubscribe = unsubscribe

    def dispatch(self, request: MessageRequest) -> Outcome:
        policy = self._policy_for(request.recipient.shop_id)
        rendered: dict[Channel, OutgoingMessage | ContentViolation] = {}

        def render(channel: Channel) -> OutgoingMessage | ContentViolation:
            if channel not in rendered:
                try:
                    rendered[channel] = self._renderer.render(request.on(channel), policy)
                except ContentViolation as violation:
                    rendered[channel] = violation
            return rendered[channel]

        def content(channel: Channel) -> str | None:
            result = render(channel)
            return result.rule if isinstance(result, ContentViolation) else None

        admission = self._gate.admit(request, content)
        decision, key, choice = admission.decision, admission.recipient_key, admission.choice
        self._count(request, decision, choice)
        outcome = Outcome(decision, key, channel=admission.channel, choice=choice)
        if decision.action is Action.SEND:
            channel = choice.channel
            message = render(channel)
            if isinstance(message, ContentViolation):
                # Committed before, and its text no longer passes: never send that.
                suppressed = suppressed_for_content(policy, request, message.rule, clock.now())
                self._gate.record(request, suppressed, channel)
                return Outcome(suppressed, key, channel=None, choice=choice)
            return self._send(request, channel, message, outcome, admission.keys)
        if decision.action is Action.DEFER:
            assert decision.not_before is not None
            again = request.deferred(decision.not_before)
            self._scheduler.schedule(
                defer_schedule_name(request), decision.not_before, again.model_dump_json()
            )
        return outcome

    def _send(
        self,
        request: MessageRequest,
        channel: Channel,
        message: OutgoingMessage,
        outcome: Outcome,
        keys: LedgerKeys,
    ) -> Outcome:
        key = outcome.recipient_key
        # Only a request the ledger already held can have been sent before: a fresh
        # commit proves no earlier attempt got past the gate, so no read is needed.
        if outcome.decision.reason is Reason.RETRY:
            done = self._store.delivery(key, request.request_id)
            if done is not None:
                logger.info("already delivered", request_id=request.request_id)
                return _with(outcome, done.provider_message_id, message)
        shop = self._channels_for(request.recipient.shop_id)
        message = self._with_unsubscribe(request, channel, message, key)
        envelope = Envelope(
            shop_id=request.recipient.shop_id,
            request_id=request.request_id,
            recipient_key=key,
            kind=request.kind.value,
            from_address=shop.email.from_address if shop.email else None,
            reply_to=shop.email.reply_to if shop.email else None,
            origination_identity=shop.sms.origination_identity if shop.sms else None,
        )
        contact = request.recipient.contact_for(channel)
        assert contact is not None  # the choice only picks a channel with a contact
        try:
            message_id = self._senders[channel].send(contact, message, envelope)
        except ChannelRefused as refused:
            return self._refused(request, refused, outcome, keys, shop)
        delivery = Delivery(
            request_id=request.request_id,
            channel=channel,
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
        return _with(outcome, message_id, message)

    def _with_unsubscribe(
        self, request: MessageRequest, channel: Channel, message: OutgoingMessage, key: str
    ) -> OutgoingMessage:
        if (
            self._unsubscribe is None
            or channel is not Channel.EMAIL
            or message.message_class not in LISTED_CLASSES
        ):
            return message
        locale = template_locale(request.recipient.locale)
        token = self._unsubscribe.token(
            shop_id=request.recipient.shop_id,
            recipient_key=key,
            message_class=message.message_class,
            locale=locale,
            request_id=request.request_id,
            sent_at=clock.now(),
        )
        return self._unsubscribe.apply(message, token, locale)

    def _refused(
        self,
        request: MessageRequest,
        refused: ChannelRefused,
        outcome: Outcome,
        keys: LedgerKeys,
        shop: ShopChannels,
    ) -> Outcome:
        """The channel will not take it for this recipient: SUPPRESS with its reason, and
        remember what it said about the contact, so the next message goes elsewhere."""
        now = clock.now()
        contact = keys.channels[refused.channel]
        if refused.reason == "opted_out":
            reason = Reason.OPTED_OUT
            # The account's own opt-out list: the shop's, when it texts from its own
            # identity; otherwise shared by every shop.
            own = shop.sms is not None and shop.sms.origination_identity is not None
            self._store.set_opt_out(contact.contact if own else contact.wide, refused.channel, True)
        else:
            reason = Reason.UNDELIVERABLE
            if refused.channel is Channel.SMS:
                mark = Undeliverable(
                    reason=UndeliverableReason.INVALID_NUMBER, detail=refused.detail, at=now
                )
                self._store.set_undeliverable(contact.wide, mark)
        decision = outcome.decision.model_copy(
            update={
                "action": Action.SUPPRESS,
                "reason": reason,
                "detail": f"{refused.channel.value} refused it: {refused.detail}",
                "decided_at": now.replace(microsecond=0),
                "not_before": None,
            }
        )
        self._gate.record(request, decision, refused.channel)
        metrics.add_metric(name="ChannelRefused", unit="Count", value=1)
        logger.warning(
            "the channel refused the message",
            request_id=request.request_id,
            channel=refused.channel.value,
            reason=refused.reason,
        )
        return Outcome(decision, outcome.recipient_key, channel=None, choice=outcome.choice)

    @staticmethod
    def _count(request: MessageRequest, decision: Decision, choice: ChannelChoice) -> None:
        logger.info(
            "gate decision",
            request_id=request.request_id,
            kind=request.kind.value,
            order_id=request.order_id,
            action=decision.action.value,
            reason=decision.reason.value,
            channel=choice.chosen.value if choice.chosen else None,
            zone=decision.zone_label,
            policy=decision.policy_version,
        )
        metrics.add_metric(name=f"Gate{decision.action.value.title()}", unit="Count", value=1)


def _with(outcome: Outcome, message_id: str, message: OutgoingMessage) -> Outcome:
    return Outcome(
        decision=outcome.decision,
        recipient_key=outcome.recipient_key,
        provider_message_id=message_id,
        channel=outcome.channel,
        choice=outcome.choice,
        message=message,
    )
