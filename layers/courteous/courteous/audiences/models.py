"""What the audiences know: one record per order, one set of facts per customer.

`OrderFact` is what one source says about an order (a canonical event, or a row of a
shop's export); `OrderRecord` is everything known about the order so far, the fold of
its facts; `CustomerFacts` is a customer's history and standing in one shop, the sum of
their orders' `Contribution`s plus the newest word on each attribute (a register with
its own instant). Money is kept per currency (`spent`, `refunded`), never converted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from courteous.events.models import Birthday, MemberTier, OrderCustomer
from courteous.messages import Channel, MessageClass, Recipient

ZERO = Decimal(0)


@dataclass(frozen=True)
class OrderFact:
    """One source's word on one order. `at` is when the word was true (the event's
    occurrence, or the newest instant of an export row): it orders the customer block's
    attributes against other words."""

    shop_id: str
    order_id: str
    at: datetime
    customer: OrderCustomer
    created_at: datetime | None = None
    total: Decimal | None = None
    currency: str | None = None
    paid_at: datetime | None = None
    paid_amount: Decimal | None = None
    cancelled_at: datetime | None = None
    refunds: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class ProfileFact:
    """A profile update (CustomerUpdated, or a customers CSV row) as of `at`."""

    shop_id: str
    at: datetime
    customer: OrderCustomer
    zone: str | None = None
    birthday: Birthday | None = None
    tags: tuple[str, ...] | None = None
    consent: Mapping[Channel, Mapping[MessageClass, bool]] = field(default_factory=dict)


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


@dataclass(frozen=True)
class OrderRecord:
    """Everything known about one order. Folding facts is commutative and idempotent:
    instants keep the earliest word, amounts the first known, refunds add up per refund
    id, so the same facts in any order and any number of times give the same record."""

    customer_key: str
    created_at: datetime | None = None
    total: Decimal | None = None
    currency: str | None = None
    paid_at: datetime | None = None
    paid_amount: Decimal | None = None
    cancelled_at: datetime | None = None
    refunds: Mapping[str, Decimal] = field(default_factory=dict)
    country: str | None = None
    region: str | None = None

    def merged(self, fact: OrderFact) -> OrderRecord:
        refunds = dict(self.refunds)
        for refund_id, amount in fact.refunds.items():
            refunds.setdefault(refund_id, amount)
        created = fact.created_at is not None
        earlier_creation = created and (
            self.created_at is None or (fact.created_at or self.created_at) < self.created_at
        )
        return OrderRecord(
            customer_key=self.customer_key,
            created_at=_earliest(self.created_at, fact.created_at),
            total=self.total if self.total is not None else fact.total,
            currency=self.currency or fact.currency,
            paid_at=_earliest(self.paid_at, fact.paid_at),
            paid_amount=self.paid_amount if self.paid_amount is not None else fact.paid_amount,
            cancelled_at=_earliest(self.cancelled_at, fact.cancelled_at),
            refunds=refunds,
            # The address the order was placed with: the creation's word.
            country=fact.customer.country if earlier_creation else self.country,
            region=fact.customer.region if earlier_creation else self.region,
        )

    @property
    def purchase(self) -> bool:
        """Paid and not cancelled: what frequency and money count."""
        return self.paid_at is not None and self.cancelled_at is None

    def contribution(self) -> Contribution:
        refunded = sum(self.refunds.values(), ZERO)
        spent: dict[str, Decimal] = {}
        refunds: dict[str, Decimal] = {}
        if self.currency is not None:
            if self.purchase:
                paid = self.paid_amount if self.paid_amount is not None else self.total
                spent[self.currency] = max(ZERO, (paid or ZERO) - refunded)
            if refunded:
                refunds[self.currency] = refunded
        return Contribution(
            orders=1 if self.created_at is not None else 0,
            purchases=1 if self.purchase else 0,
            cancelled=1 if self.cancelled_at is not None else 0,
            refunds=len(self.refunds),
            spent=spent,
            refunded=refunds,
            placed_at=self.created_at,
            purchased_at=self.created_at if self.paid_at is not None else None,
        )


@dataclass(frozen=True)
class Contribution:
    """What one order adds to its customer's facts."""

    orders: int = 0
    purchases: int = 0
    cancelled: int = 0
    refunds: int = 0
    spent: Mapping[str, Decimal] = field(default_factory=dict)
    refunded: Mapping[str, Decimal] = field(default_factory=dict)
    placed_at: datetime | None = None
    purchased_at: datetime | None = None


NOTHING = Contribution()


@dataclass(frozen=True)
class CustomerFacts:
    """A customer of one shop: what they did, and the newest word on who they are.

    `last_purchase_at` is the creation of the newest order that was ever paid (a later
    cancellation takes it out of frequency and money, not out of recency)."""

    shop_id: str
    customer_key: str
    orders: int = 0
    purchases: int = 0
    cancelled: int = 0
    refunds: int = 0
    spent: Mapping[str, Decimal] = field(default_factory=dict)
    refunded: Mapping[str, Decimal] = field(default_factory=dict)
    first_order_at: datetime | None = None
    last_order_at: datetime | None = None
    last_purchase_at: datetime | None = None
    customer_id: str | None = None
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    locale: str | None = None
    tier: MemberTier | None = None
    country: str | None = None
    region: str | None = None
    zone: str | None = None
    birthday: Birthday | None = None
    tags: tuple[str, ...] = ()
    consent: Mapping[Channel, Mapping[MessageClass, bool]] = field(default_factory=dict)

    def recipient(self, channel: Channel | None = None) -> Recipient:
        """The outbox's view of this customer: contacts, zone evidence (profile zone,
        phone, last order's address), locale and the consent of `channel` (or, without
        one, a class given only where every channel the shop spoke about gives it)."""
        if channel is not None:
            per_class = dict(self.consent.get(channel, {}))
        else:
            per_class = {}
            for classes in self.consent.values():
                for message_class, given in classes.items():
                    per_class[message_class] = per_class.get(message_class, True) and given
        return Recipient(
            shop_id=self.shop_id,
            customer_id=self.customer_id,
            phone=self.phone,
            email=self.email,
            zone=self.zone,
            country=self.country,
            region=self.region,
            locale=self.locale,
            consent=per_class,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "customer_key": self.customer_key,
            "customer_id": self.customer_id,
            "orders": self.orders,
            "purchases": self.purchases,
            "cancelled": self.cancelled,
            "refunds": self.refunds,
            "spent": {k: str(v) for k, v in sorted(self.spent.items())},
            "refunded": {k: str(v) for k, v in sorted(self.refunded.items())},
            "first_order_at": _iso(self.first_order_at),
            "last_order_at": _iso(self.last_order_at),
            "last_purchase_at": _iso(self.last_purchase_at),
            "tier": self.tier.value if self.tier else None,
            "country": self.country,
            "region": self.region,
            "locale": self.locale,
            "zone": self.zone,
            "tags": list(self.tags),
            "consent": {
                channel.value: {cls.value: given for cls, given in classes.items()}
                for channel, classes in self.consent.items()
            },
        }


def _iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant is not None else None
