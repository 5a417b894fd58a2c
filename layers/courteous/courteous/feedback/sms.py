"""SMS delivery reports (AWS End User Messaging SMS event destinations) -> the gate.

Every report updates the message's delivery log (its status, the carrier's reason,
what it cost), found through the context the dispatcher sent with it. The number
itself is judged by the report's type:
- `TEXT_INVALID` (the number does not exist): undeliverable by SMS at every shop;
- `TEXT_UNREACHABLE` (the phone is off or out of coverage): undeliverable for
  `UNREACHABLE_FOR`, then tried again;
- every other failure (a carrier's temporary error, a block, an expired TTL) fails
  that message only.
The price a report carries is added once per message to the shop's month, for its
monthly SMS spend limit.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from courteous.channels import TAG_RECIPIENT, TAG_REQUEST, TAG_SHOP
from courteous.gate.ledger_state import Undeliverable, UndeliverableReason
from courteous.gate.store import DeliveryStatus, GateStore
from courteous.observability import logger, metrics
from courteous.recipients.identity import InvalidContactError, contact_wide_key, normalise_phone

# A phone that is off today may be on next week: long enough not to text a dead number
# every day, short enough that a traveller comes back.
UNREACHABLE_FOR = timedelta(days=30)

_STATUS = {
    "TEXT_DELIVERED": "delivered",
    "TEXT_SUCCESSFUL": "accepted",
    "TEXT_QUEUED": "queued",
    "TEXT_PENDING": "pending",
}


class SmsEvent(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    event_type: str = Field(alias="eventType")
    event_timestamp: int = Field(alias="eventTimestamp")
    is_final: bool = Field(default=False, alias="isFinal")
    destination: str | None = Field(default=None, alias="destinationPhoneNumber")
    message_id: str | None = Field(default=None, alias="messageId")
    status: str = Field(default="", alias="messageStatus")
    description: str = Field(default="", alias="messageStatusDescription")
    carrier: str | None = Field(default=None, alias="carrierName")
    price: Decimal | None = Field(default=None, alias="totalMessagePrice")
    carrier_fee: Decimal | None = Field(default=None, alias="totalCarrierFee")
    context: dict[str, str] = {}

    @property
    def at(self) -> datetime:
        # The service reports milliseconds; some recorded events carry seconds.
        stamp = self.event_timestamp
        return datetime.fromtimestamp(stamp / 1000 if stamp > 10**11 else stamp, UTC)

    @property
    def cost(self) -> Decimal | None:
        if self.price is None and self.carrier_fee is None:
            return None
        return (self.price or Decimal(0)) + (self.carrier_fee or Decimal(0))


class SmsFeedback:
    def __init__(self, store: GateStore, contact_key: bytes) -> None:
        self._store = store
        self._key = contact_key

    def apply(self, event: SmsEvent) -> str:
        failed = event.event_type not in _STATUS
        status = "failed" if failed else _STATUS[event.event_type]
        detail = event.description or event.status
        if event.carrier:
            detail = f"{detail} ({event.carrier})"
        if failed:
            detail = f"{event.event_type}: {detail}"
            self._judge_number(event)
        request, recipient = event.context.get(TAG_REQUEST), event.context.get(TAG_RECIPIENT)
        if request is None or recipient is None:
            logger.info("an SMS report without our context", extra={"type": event.event_type})
            return status
        final = event.is_final or failed
        update = self._store.update_delivery(
            recipient,
            request,
            DeliveryStatus(status, event.at, detail[:500], final=final, price=event.cost),
        )
        shop = event.context.get(TAG_SHOP)
        cost = event.cost
        if update.priced_first and shop and cost:
            self._store.add_sms_spend(shop, event.at, cost)
        metrics.add_metric(name=f"Sms{status.title()}", unit="Count", value=1)
        return status

    def _judge_number(self, event: SmsEvent) -> None:
        if event.event_type not in ("TEXT_INVALID", "TEXT_UNREACHABLE"):
            return
        try:
            number = normalise_phone(event.destination or "")
        except InvalidContactError:
            logger.warning("an SMS report names no usable number", extra={"type": event.event_type})
            return
        invalid = event.event_type == "TEXT_INVALID"
        mark = Undeliverable(
            reason=UndeliverableReason.INVALID_NUMBER
            if invalid
            else UndeliverableReason.UNREACHABLE,
            detail=event.description[:500],
            at=event.at,
            until=None if invalid else event.at + UNREACHABLE_FOR,
        )
        self._store.set_undeliverable(contact_wide_key(self._key, number), mark)
