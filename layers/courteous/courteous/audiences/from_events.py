"""The canonical events as words on orders and profiles.

Shipping and delivery change nothing the facts count, so they are not words here.
"""

from __future__ import annotations

from decimal import Decimal

from courteous.audiences.models import OrderFact, ProfileFact
from courteous.events.models import (
    CanonicalEvent,
    CustomerUpdated,
    OrderCancelled,
    OrderCreated,
    OrderPaid,
    RefundRequested,
)

# The detail-types the facts function listens to (template.yaml says the same).
DETAIL_TYPES = ("OrderCreated", "OrderPaid", "OrderCancelled", "RefundRequested", "CustomerUpdated")


def fact_of(event: CanonicalEvent) -> OrderFact | ProfileFact | None:
    if isinstance(event, OrderCreated):
        return OrderFact(
            shop_id=event.shop_id,
            order_id=event.order_id,
            at=event.occurred_at,
            customer=event.customer,
            created_at=event.occurred_at,
            total=event.total.amount,
            currency=event.total.currency,
            paid_at=event.occurred_at if event.paid else None,
        )
    if isinstance(event, OrderPaid):
        return OrderFact(
            shop_id=event.shop_id,
            order_id=event.order_id,
            at=event.occurred_at,
            customer=event.customer,
            paid_at=event.occurred_at,
            paid_amount=event.amount.amount if event.amount else None,
            currency=event.amount.currency if event.amount else None,
        )
    if isinstance(event, OrderCancelled):
        return OrderFact(
            shop_id=event.shop_id,
            order_id=event.order_id,
            at=event.occurred_at,
            customer=event.customer,
            cancelled_at=event.occurred_at,
        )
    if isinstance(event, RefundRequested):
        # Platforms send these when the refund is made (Shopify refunds/create,
        # WooCommerce refunds in order.updated); an unknown amount counts as none.
        amount = event.amount.amount if event.amount else None
        return OrderFact(
            shop_id=event.shop_id,
            order_id=event.order_id,
            at=event.occurred_at,
            customer=event.customer,
            refunds={event.refund_id: amount if amount is not None else Decimal(0)},
            currency=event.amount.currency if event.amount else None,
        )
    if isinstance(event, CustomerUpdated):
        profile = event.customer
        return ProfileFact(
            shop_id=event.shop_id,
            at=event.occurred_at,
            customer=profile,
            zone=profile.zone,
            birthday=profile.birthday,
            tags=tuple(profile.tags) if profile.tags is not None else None,
            consent=profile.consent,
        )
    return None
