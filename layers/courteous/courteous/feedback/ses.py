"""SES events (configuration-set event publishing, or identity notifications) -> the gate.

- Hard bounce (`Permanent`): the address is undeliverable by e-mail at every shop,
  reason `bounced` (or `suppression_list` when SES dropped it because the address is on
  the account's suppression list; that message gets an audit record SUPPRESS with the
  reason, since the gate had let it go).
- Complaint: no more marketing e-mail to that address from the shop that sent it,
  reason `complained` (from every shop when the event does not say which).
- Soft bounce (`Transient`, `Undetermined`): logged, nothing changes.
- Delivery, reject, delivery delay: the delivery log's status.
Our tags (`courteous-*`) name the shop, the request and the recipient's item; an
event without them (mail not sent by the dispatcher) still marks the address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import AliasChoices, AwareDatetime, BaseModel, ConfigDict, Field

from courteous.channels import (
    TAG_CLASS,
    TAG_KIND,
    TAG_RECIPIENT,
    TAG_REQUEST,
    TAG_SHOP,
    untag_value,
)
from courteous.gate.ledger_state import Undeliverable, UndeliverableReason
from courteous.gate.store import ChannelOutcome, DeliveryStatus, GateStore
from courteous.messages import Channel, MessageClass
from courteous.observability import logger, metrics
from courteous.recipients.identity import (
    InvalidContactError,
    contact_wide_key,
    normalise_email,
    recipient_key,
)

SUPPRESSED_SUBTYPE = "OnAccountSuppressionList"


class _Event(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Mail(_Event):
    message_id: str = Field(alias="messageId")
    destination: list[str] = []
    tags: dict[str, list[str]] = {}

    def tag(self, name: str) -> str | None:
        values = self.tags.get(name) or []
        if not values:
            return None
        try:
            return untag_value(values[0])
        except (ValueError, UnicodeDecodeError):
            return None


class BouncedRecipient(_Event):
    email_address: str = Field(alias="emailAddress")
    status: str | None = None
    diagnostic_code: str | None = Field(default=None, alias="diagnosticCode")


class Bounce(_Event):
    bounce_type: str = Field(alias="bounceType")
    bounce_sub_type: str = Field(default="", alias="bounceSubType")
    bounced_recipients: list[BouncedRecipient] = Field(alias="bouncedRecipients")
    timestamp: AwareDatetime


class ComplainedRecipient(_Event):
    email_address: str = Field(alias="emailAddress")


class Complaint(_Event):
    complained_recipients: list[ComplainedRecipient] = Field(alias="complainedRecipients")
    feedback_type: str | None = Field(default=None, alias="complaintFeedbackType")
    timestamp: AwareDatetime


class Delivery(_Event):
    timestamp: AwareDatetime
    smtp_response: str = Field(default="", alias="smtpResponse")


class Reject(_Event):
    reason: str = ""


class DeliveryDelay(_Event):
    delay_type: str = Field(default="", alias="delayType")
    timestamp: AwareDatetime


class SesEvent(_Event):
    """One SES event: `eventType` (event publishing) or `notificationType` (notifications)."""

    event_type: str = Field(validation_alias=AliasChoices("eventType", "notificationType"))
    mail: Mail
    bounce: Bounce | None = None
    complaint: Complaint | None = None
    delivery: Delivery | None = None
    reject: Reject | None = None
    delivery_delay: DeliveryDelay | None = Field(default=None, alias="deliveryDelay")


@dataclass(frozen=True)
class _Sent:
    """What our tags say about the message the event is about."""

    recipient_key: str
    request_id: str
    shop_id: str
    kind: str
    message_class: str


def _sent(mail: Mail) -> _Sent | None:
    values = [mail.tag(name) for name in (TAG_RECIPIENT, TAG_REQUEST, TAG_SHOP)]
    if any(value is None for value in values):
        return None
    recipient, request, shop = values
    assert recipient is not None and request is not None and shop is not None
    return _Sent(
        recipient,
        request,
        shop,
        mail.tag(TAG_KIND) or "unknown",
        mail.tag(TAG_CLASS) or "unknown",
    )


class EmailFeedback:
    def __init__(self, store: GateStore, contact_key: bytes) -> None:
        self._store = store
        self._key = contact_key

    def apply(self, event: SesEvent, now: datetime) -> str:
        """Apply one event; returns what it was taken for (for logs and metrics)."""
        sent = _sent(event.mail)
        if event.event_type == "Bounce" and event.bounce is not None:
            return self._bounce(event.bounce, sent, now)
        if event.event_type == "Complaint" and event.complaint is not None:
            return self._complaint(event.complaint, sent)
        if event.event_type == "Delivery" and event.delivery is not None:
            self._status(sent, DeliveryStatus("delivered", event.delivery.timestamp))
            return "delivered"
        if event.event_type == "Reject" and event.reject is not None:
            self._status(sent, DeliveryStatus("rejected", now, event.reject.reason))
            return "rejected"
        if event.event_type == "DeliveryDelay" and event.delivery_delay is not None:
            delay = event.delivery_delay
            self._status(
                sent, DeliveryStatus("delayed", delay.timestamp, delay.delay_type, final=False)
            )
            return "delayed"
        return "ignored"

    def _status(self, sent: _Sent | None, status: DeliveryStatus) -> None:
        if sent is not None:
            self._store.update_delivery(sent.recipient_key, sent.request_id, status)

    def _bounce(self, bounce: Bounce, sent: _Sent | None, now: datetime) -> str:
        if bounce.bounce_type != "Permanent":
            # Soft bounces pass (a full mailbox, a slow server): SES retries them itself.
            logger.info(
                "soft bounce",
                extra={"type": bounce.bounce_type, "subtype": bounce.bounce_sub_type},
            )
            metrics.add_metric(name="EmailSoftBounce", unit="Count", value=1)
            return "soft_bounce"
        suppressed = bounce.bounce_sub_type == SUPPRESSED_SUBTYPE
        reason = UndeliverableReason.SUPPRESSION_LIST if suppressed else UndeliverableReason.BOUNCED
        for bounced in bounce.bounced_recipients:
            address = _address(bounced.email_address)
            if address is None:
                continue
            detail = bounce.bounce_sub_type
            if bounced.diagnostic_code:
                detail = f"{detail}: {bounced.diagnostic_code}"[:500]
            mark = Undeliverable(reason=reason, detail=detail, at=bounce.timestamp)
            self._store.set_undeliverable(contact_wide_key(self._key, address), mark)
        status = "suppressed" if suppressed else "bounced"
        self._status(sent, DeliveryStatus(status, bounce.timestamp, bounce.bounce_sub_type))
        if suppressed and sent is not None:
            self._store.record_outcome(
                ChannelOutcome(
                    recipient_key=sent.recipient_key,
                    request_id=sent.request_id,
                    shop_id=sent.shop_id,
                    kind=sent.kind,
                    message_class=sent.message_class,
                    channel=Channel.EMAIL,
                    action="suppress",
                    reason="undeliverable",
                    detail="SES did not send it: the address is on the account's suppression list",
                    at=now,
                )
            )
        metrics.add_metric(name="EmailHardBounce", unit="Count", value=1)
        return status

    def _complaint(self, complaint: Complaint, sent: _Sent | None) -> str:
        for complained in complaint.complained_recipients:
            address = _address(complained.email_address)
            if address is None:
                continue
            key = (
                recipient_key(self._key, sent.shop_id, address)
                if sent is not None
                else contact_wide_key(self._key, address)
            )
            self._store.merge_consent(key, {MessageClass.MARKETING: False}, reason="complained")
        self._status(sent, DeliveryStatus("complained", complaint.timestamp))
        metrics.add_metric(name="EmailComplaint", unit="Count", value=1)
        return "complained"


def _address(text: str) -> str | None:
    try:
        return normalise_email(text)
    except InvalidContactError:
        logger.warning("an SES event names no usable address")
        return None


def parse_ses_event(message: str | dict[str, Any]) -> SesEvent:
    if isinstance(message, str):
        return SesEvent.model_validate_json(message)
    return SesEvent.model_validate(message)
