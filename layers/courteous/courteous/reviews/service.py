"""A posted review -> what it says, the complaints for the help desk, and care, once.

For each `ReviewPosted`:

1. Read it (`reading.read`): language, clauses, sentiment, complaints by aspect.
2. Record the reading for the weekly report, and each complaint (stated or hidden).
3. Publish a `ReviewFlagged` event per complaint not published before, for the shop's
   help desk to route by aspect (an EventBridge rule on `source: courteous.reviews`).
4. Care: a flagged or low-rated (1-2 stars) review gets one apology with the shop's
   contact, once per order (per review when the order is unknown), as a
   `MessageRequest` on the outbox; the gate decides when and whether it goes. Its data
   can carry no offer, and the content rules refuse wording that makes one.

Nothing here calls a channel. A review redelivered or edited asks for nothing new.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from courteous.customers.store import CustomerStore
from courteous.events.models import (
    Aspect,
    CanonicalEvent,
    OrderCustomer,
    ReviewFlagged,
    ReviewPosted,
)
from courteous.flows.orders import recipient_for
from courteous.flows.outbox import request_id
from courteous.flows.settings import ShopSettings
from courteous.flows.state import OrderStateStore
from courteous.messages import Kind, MessageRequest
from courteous.observability import logger, metrics
from courteous.rendering.context import ReviewCareData
from courteous.reviews.reading import Complaint, Reading, read
from courteous.reviews.store import ReviewStore

CARE_EXPIRES_AFTER = timedelta(days=7)


class Publisher(Protocol):
    def publish(self, events: Sequence[CanonicalEvent]) -> None: ...


class Outbox(Protocol):
    def put(self, requests: Sequence[MessageRequest]) -> None: ...


@dataclass
class ReviewOutcome:
    reading: Reading
    flagged: list[ReviewFlagged] = field(default_factory=list)
    care: MessageRequest | None = None
    care_skipped: str | None = None


class ReviewService:
    def __init__(
        self,
        settings_for: Callable[[str], ShopSettings],
        store: ReviewStore,
        publisher: Publisher,
        outbox: Outbox,
        orders: OrderStateStore | None,
        profiles: CustomerStore | None,
        reader: Callable[[ReviewPosted], Reading] | None = None,
    ) -> None:
        self._settings_for = settings_for
        self._store = store
        self._publisher = publisher
        self._outbox = outbox
        self._orders = orders
        self._profiles = profiles
        self._read = reader or _read

    def handle(self, event: ReviewPosted, now: datetime) -> ReviewOutcome:
        reading = self._read(event)
        outcome = ReviewOutcome(reading)
        self._store.record(event, reading, now)
        pending = [c for c in reading.complaints if self._store.flag(event, c, now)]
        if pending:
            outcome.flagged = [flagged_event(event, reading, c, now) for c in pending]
            self._publisher.publish(outcome.flagged)
            for complaint in pending:
                self._store.published(event, complaint.aspect)
        if reading.flagged or event.rating <= 2:
            outcome.care, outcome.care_skipped = self._care(event, reading, now)
        metrics.add_metric(name="ReviewsRead", unit="Count", value=1)
        metrics.add_metric(name="ReviewsFlagged", unit="Count", value=len(outcome.flagged))
        logger.info(
            "review read",
            extra={
                "shop_id": event.shop_id,
                "review_id": event.review_id,
                "language": reading.language,
                "complaints": [c.aspect.value for c in reading.complaints],
                "hidden": reading.hidden,
                "care": outcome.care.request_id if outcome.care else outcome.care_skipped,
            },
        )
        return outcome

    def _care(
        self, event: ReviewPosted, reading: Reading, now: datetime
    ) -> tuple[MessageRequest | None, str | None]:
        key = f"order:{event.order_id}" if event.order_id else f"review:{event.review_id}"
        if self._store.care_was_asked(event.shop_id, key):
            return None, "care was already asked for this order"
        customer, order_number = self._customer(event)
        recipient = recipient_for(event.shop_id, customer, self._profiles)
        if recipient is None:
            return None, "no phone or e-mail for the reviewer"
        settings = self._settings_for(event.shop_id)
        aspects = [c.aspect for c in reading.complaints if c.aspect is not Aspect.OTHER]
        data = ReviewCareData(
            shop=settings.shop(),
            order_number=order_number,
            first_name=customer.first_name,
            aspect=aspects[0] if aspects else None,
        )
        request = MessageRequest(
            request_id=request_id(Kind.REVIEW_CARE.value, event.shop_id, key),
            kind=Kind.REVIEW_CARE,
            recipient=recipient,
            order_id=event.order_id,
            data=data.model_dump(mode="json"),
            created_at=now,
            expires_at=now + CARE_EXPIRES_AFTER,
            dedupe_key=f"{Kind.REVIEW_CARE.value}#{key}",
        )
        self._outbox.put([request])
        self._store.care_asked(event.shop_id, key, request.request_id, now)
        return request, None

    def _customer(self, event: ReviewPosted) -> tuple[OrderCustomer, str | None]:
        """Who to write to: the review's reviewer, completed from the order when the
        review says no contact (a CSV row names only the order)."""
        customer, number = event.customer, event.order_number
        if event.order_id and self._orders is not None:
            state = self._orders.load(event.shop_id, event.order_id)
            number = number or state.order_number
            if not (customer.phone or customer.email) and state.customer is not None:
                customer = state.customer.model_copy(update=customer.model_dump(exclude_none=True))
        return customer, number


def _read(event: ReviewPosted) -> Reading:
    return read(event.text, event.rating, event.language, title=event.title)


def flagged_event(
    event: ReviewPosted, reading: Reading, complaint: Complaint, now: datetime
) -> ReviewFlagged:
    return ReviewFlagged(
        event_id=f"{event.review_id}:flag:{complaint.aspect.value}",
        shop_id=event.shop_id,
        occurred_at=now,
        platform=event.platform,
        review_id=event.review_id,
        order_id=event.order_id,
        order_number=event.order_number,
        product_id=event.product_id,
        aspect=complaint.aspect,
        severity=complaint.severity,
        hidden=complaint.hidden,
        rating=event.rating,
        excerpt=complaint.excerpt[:500],
        language=reading.language,
        score=max(-1.0, min(1.0, round(complaint.score, 4))),
        posted_at=event.posted_at,
    )
