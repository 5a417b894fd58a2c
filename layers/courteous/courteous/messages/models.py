"""Message kinds, classes, channels and the `MessageRequest` outbox model (schema v1)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator


class MessageClass(StrEnum):
    """How a message is treated by the gate (DESIGN.md, "Message classes")."""

    TRANSACTIONAL = "transactional"
    SERVICE = "service"
    MARKETING = "marketing"


class Kind(StrEnum):
    PAYMENT_REMINDER = "payment_reminder"
    SHIPPING_NOTICE = "shipping_notice"
    PARCEL_DELAY = "parcel_delay"
    DELIVERY_CARE = "delivery_care"
    REFUND_ACK = "refund_ack"
    BIRTHDAY_GREETING = "birthday_greeting"
    REVIEW_CARE = "review_care"


# The class a kind has unless the request says otherwise (delivery care that carries a
# coupon is marketing; the flow sets `message_class` on the request for that).
KIND_CLASSES: dict[Kind, MessageClass] = {
    Kind.PAYMENT_REMINDER: MessageClass.SERVICE,
    Kind.SHIPPING_NOTICE: MessageClass.TRANSACTIONAL,
    Kind.PARCEL_DELAY: MessageClass.TRANSACTIONAL,
    Kind.DELIVERY_CARE: MessageClass.SERVICE,
    Kind.REFUND_ACK: MessageClass.TRANSACTIONAL,
    Kind.BIRTHDAY_GREETING: MessageClass.MARKETING,
    # An apology after a complaint in a review: service, never with an offer (the
    # content rules refuse one for this kind).
    Kind.REVIEW_CARE: MessageClass.SERVICE,
}


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


class Recipient(BaseModel):
    """Who a message is for, as the flow knew them when it enqueued the request.

    The contacts themselves (phone, e-mail) travel in the request because the channel
    needs them; they are never written in clear to a key or a log (see
    `recipients.identity`). `channel_consent` is the profile's consent per channel and
    class at enqueue time, `consent` the word for a request pinned to one channel (and
    for requests written before consent was kept per channel); the gate's ledger may hold
    a newer word (an opt-out is honoured at once).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    shop_id: str = Field(min_length=1, max_length=128)
    customer_id: str | None = None
    phone: str | None = Field(default=None, description="E.164, e.g. +8613800138000")
    email: str | None = None
    zone: str | None = Field(default=None, description="explicit IANA zone from the profile")
    country: str | None = Field(
        default=None, description="ISO 3166-1 alpha-2 of the shipping address"
    )
    region: str | None = Field(
        default=None, description="province/state code of the shipping address, e.g. FL"
    )
    locale: str | None = None
    consent: dict[MessageClass, bool] = Field(default_factory=dict)
    channel_consent: dict[Channel, dict[MessageClass, bool]] = Field(
        default_factory=dict, description="the profile's consent per channel and class"
    )
    preferred_channel: Channel | None = Field(
        default=None, description="the channel the customer asked to be reached on"
    )

    def contact_for(self, channel: Channel) -> str | None:
        return self.phone if channel is Channel.SMS else self.email

    def consent_for(self, channel: Channel) -> dict[MessageClass, bool]:
        """The profile's word for one channel (absent = unknown)."""
        if channel in self.channel_consent:
            return dict(self.channel_consent[channel])
        return dict(self.consent)


class MessageRequest(BaseModel):
    """One message a flow wants sent. Idempotent on `request_id`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    request_id: str = Field(default_factory=lambda: uuid.uuid4().hex, min_length=8)
    kind: Kind
    message_class: MessageClass | None = Field(
        default=None, description="overrides the kind's default class"
    )
    channel: Channel | None = Field(
        default=None,
        description="pins the channel; without it the dispatcher chooses (consent, "
        "preference, the shop's order)",
    )
    recipient: Recipient
    order_id: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    created_at: AwareDatetime
    not_before: AwareDatetime | None = None
    expires_at: AwareDatetime | None = None
    dedupe_key: str | None = Field(
        default=None, description="one message per key within the policy's retention"
    )
    deferrals: int = Field(default=0, ge=0, description="times the gate has deferred it")

    @model_validator(mode="after")
    def _contact_for_channel(self) -> MessageRequest:
        if self.channel is Channel.SMS and not self.recipient.phone:
            raise ValueError("recipient.phone is required for an sms message")
        if self.channel is Channel.EMAIL and not self.recipient.email:
            raise ValueError("recipient.email is required for an email message")
        if not self.recipient.phone and not self.recipient.email:
            raise ValueError("recipient: a phone or an e-mail address is required")
        return self

    @property
    def effective_class(self) -> MessageClass:
        return self.message_class or KIND_CLASSES[self.kind]

    @property
    def contact(self) -> str:
        """The contact of the pinned channel (only for a request pinned to one)."""
        assert self.channel is not None, "a request without a channel has no single contact"
        contact = self.recipient.contact_for(self.channel)
        assert contact is not None  # guaranteed by _contact_for_channel
        return contact

    @property
    def contacts(self) -> dict[Channel, str]:
        """Every contact the request carries, by channel."""
        found = {channel: self.recipient.contact_for(channel) for channel in Channel}
        return {channel: contact for channel, contact in found.items() if contact}

    def on(self, channel: Channel) -> MessageRequest:
        """The request as one channel would carry it: pinned, with that channel's consent."""
        if self.channel is channel and not self.recipient.channel_consent:
            return self
        recipient = self.recipient.model_copy(
            update={"consent": self.recipient.consent_for(channel)}
        )
        return self.model_copy(update={"channel": channel, "recipient": recipient})

    def deferred(self, not_before: datetime) -> MessageRequest:
        """The same request, to be offered to the gate again at `not_before`."""
        return self.model_copy(update={"not_before": not_before, "deferrals": self.deferrals + 1})
