"""Which channel a message goes by: one place, pure, beside the per-channel decision.

The order tried: a channel the request pins, else the customer's preferred channel,
then the rest of the shop's channel order (a channel the shop does not use is never
tried). Each channel is judged by the gate's own decision on the person's ledger with
that channel's word; a refusal that belongs to the channel passes the message to the
next one in the same dispatch:

- no contact for it, or the contact is undeliverable (hard bounce, invalid number);
- the contact opted out of it, or gave no consent there for the message's class (so
  marketing goes by the first channel with a recorded yes and a reachable contact);
- the shop's monthly SMS spend limit is reached;
- the channel cannot carry the rendered message (content policy, SMS too long).

Anything else (quiet hours, caps, a duplicate, expiry) is about the person, not the
channel: it is the decision, whichever channel would carry it. A request already
committed goes again by the channel it was committed for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from courteous.gate.decide import Action, Decision, Reason, decide
from courteous.gate.ledger_state import RecipientLedgers
from courteous.gate.policy import Policy
from courteous.messages import Channel, MessageRequest
from courteous.recipients.zones import resolve_zones

DEFAULT_ORDER: tuple[Channel, ...] = (Channel.SMS, Channel.EMAIL)
CHANNEL_REASONS = frozenset(
    {
        Reason.NO_CONTACT,
        Reason.UNDELIVERABLE,
        Reason.OPTED_OUT,
        Reason.NO_CONSENT,
        Reason.SMS_SPEND_LIMIT,
        Reason.CONTENT_POLICY,
    }
)

# Why the channel was first in line.
PINNED = "pinned by the request"
COMMITTED = "committed for this channel before"
PREFERRED = "the customer's preferred channel"
SHOP_ORDER = "the shop's channel order"

_NO_CONTACT_TEXT = {Channel.SMS: "no phone number", Channel.EMAIL: "no e-mail address"}


@dataclass(frozen=True)
class Refusal:
    channel: Channel
    reason: Reason
    detail: str

    @property
    def text(self) -> str:
        return f"{self.channel.value} refused ({self.reason.value}: {self.detail})"


@dataclass(frozen=True)
class ChannelChoice:
    """The decision, the channel it is for, why that channel, and what was refused first."""

    channel: Channel
    decision: Decision
    why: str
    refused: tuple[Refusal, ...] = ()

    @property
    def chosen(self) -> Channel | None:
        """The channel that carries the message (None: no channel could)."""
        return None if self.decision.reason in CHANNEL_REASONS else self.channel

    @property
    def summary(self) -> str:
        """One line for the audit trail: "email (the shop's channel order; sms refused ...)"."""
        if self.chosen is None:
            return "; ".join(refusal.text for refusal in self.refused) or "no channel"
        parts = [self.why, *(refusal.text for refusal in self.refused)]
        return f"{self.channel.value} ({'; '.join(parts)})"


ContentCheck = Callable[[Channel], str | None]


def channel_order(
    request: MessageRequest, shop_order: Sequence[Channel]
) -> list[tuple[Channel, str]]:
    """The channels to try, in order, each with why it is where it is."""
    if request.channel is not None:
        return [(request.channel, PINNED)]
    preferred = request.recipient.preferred_channel
    order: list[tuple[Channel, str]] = []
    if preferred is not None and preferred in shop_order:
        order.append((preferred, PREFERRED))
    order.extend((channel, SHOP_ORDER) for channel in shop_order if channel != preferred)
    return order


def choose(
    policy: Policy,
    ledgers: RecipientLedgers,
    request: MessageRequest,
    now: datetime,
    *,
    shop_order: Sequence[Channel] = DEFAULT_ORDER,
    sms_budget_left: bool = True,
    content: ContentCheck | None = None,
) -> ChannelChoice:
    """The channel and the gate's decision for `request` at `now` (pure)."""
    committed = ledgers.committed(request.request_id)
    if committed is not None:
        channel = committed.channel or request.channel or next(iter(request.contacts))
        decision = decide(policy, ledgers.for_channel(channel), request.on(channel), now)
        return ChannelChoice(channel=channel, decision=decision, why=COMMITTED)

    refused: list[Refusal] = []
    for channel, why in channel_order(request, shop_order):
        refusal = _refusal_before_deciding(ledgers, request, channel, now, sms_budget_left)
        if refusal is not None:
            refused.append(refusal)
            continue
        ledger = ledgers.for_channel(channel)
        decision = decide(policy, ledger, request.on(channel), now)
        if decision.reason in CHANNEL_REASONS:
            detail = decision.detail
            reason = ledger.consent_reasons.get(decision.message_class)
            if decision.reason is Reason.NO_CONSENT and reason:
                detail = f"{detail} ({reason})"
            refused.append(Refusal(channel, decision.reason, detail))
            continue
        if decision.action is not Action.SUPPRESS and content is not None:
            violation = content(channel)
            if violation is not None:
                refused.append(Refusal(channel, Reason.CONTENT_POLICY, violation))
                continue
        return ChannelChoice(channel=channel, decision=decision, why=why, refused=tuple(refused))
    return _nothing_can_carry_it(policy, request, now, refused, shop_order)


def _refusal_before_deciding(
    ledgers: RecipientLedgers,
    request: MessageRequest,
    channel: Channel,
    now: datetime,
    sms_budget_left: bool,
) -> Refusal | None:
    if request.recipient.contact_for(channel) is None:
        return Refusal(channel, Reason.NO_CONTACT, _NO_CONTACT_TEXT[channel])
    mark = ledgers.undeliverable(channel, now)
    if mark is not None:
        return Refusal(channel, Reason.UNDELIVERABLE, mark.text)
    if channel is Channel.SMS and not sms_budget_left:
        return Refusal(channel, Reason.SMS_SPEND_LIMIT, "the shop's monthly SMS spend is reached")
    return None


def _nothing_can_carry_it(
    policy: Policy,
    request: MessageRequest,
    now: datetime,
    refused: list[Refusal],
    shop_order: Sequence[Channel],
) -> ChannelChoice:
    """SUPPRESS with the first refusal that concerned a contact the person has."""
    if not refused:
        # The shop's order names no channel this request may use.
        channel = request.channel or next(iter(request.contacts))
        refused = [Refusal(channel, Reason.NO_CONTACT, "the shop sends by none of its channels")]
    first = next((r for r in refused if r.reason is not Reason.NO_CONTACT), refused[0])
    resolution = resolve_zones(request.recipient, policy.shop_zone)
    decision = Decision(
        action=Action.SUPPRESS,
        reason=first.reason,
        detail="; ".join(refusal.text for refusal in refused),
        decided_at=now,
        zones=resolution.zones,
        zone_source=resolution.source,
        policy_version=policy.label,
        message_class=request.effective_class,
    )
    return ChannelChoice(
        channel=first.channel,
        decision=decision,
        why=PINNED if request.channel else SHOP_ORDER,
        refused=tuple(refused),
    )
