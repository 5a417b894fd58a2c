"""Shared by the audience tests: the AudienceTable on DynamoDB Local, built from
template.yaml, and a small generator of order histories as canonical events."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from courteous.events.models import (
    CanonicalEvent,
    Money,
    OrderCancelled,
    OrderCreated,
    OrderCustomer,
    OrderPaid,
    RefundRequested,
)
from courteous_local.provision import provision
from courteous_local.servers import Engine, local_dynamodb_client
from courteous_local.template import default_template_path, load_template

CONTACT_KEY = b"audience-test-key"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def audience_table(engine: Engine, stack_name: str) -> tuple[Any, str]:
    client = local_dynamodb_client(engine.endpoint)
    created = provision(
        load_template(default_template_path()),
        lambda service: client,
        stack_name=stack_name,
        only=frozenset({"AWS::DynamoDB::Table"}),
    )
    return client, created.ref("AudienceTable")


@dataclass
class Order:
    order_id: str
    email: str
    created_at: datetime
    total: Decimal
    paid: bool
    cancelled: bool
    refunds: dict[str, Decimal] = field(default_factory=dict)
    country: str = "FR"


def history(seed: int, customers: int = 6, orders: int = 40) -> list[Order]:
    """Orders of a few customers: some paid at checkout or later, some cancelled, some
    refunded in one or two goes."""
    rng = random.Random(seed)
    made = []
    for n in range(orders):
        total = Decimal(rng.randrange(500, 50_000)) / 100
        refunds: dict[str, Decimal] = {}
        paid = rng.random() < 0.8
        if paid and rng.random() < 0.2:
            refunds[f"r{n}a"] = (total / 3).quantize(Decimal("0.01"))
            if rng.random() < 0.5:
                refunds[f"r{n}b"] = Decimal("1.50")
        made.append(
            Order(
                order_id=str(1000 + n),
                email=f"buyer{rng.randrange(customers)}@example.com",
                created_at=START + timedelta(hours=rng.randrange(24 * 120)),
                total=total,
                paid=paid,
                cancelled=rng.random() < 0.15,
                refunds=refunds,
                country=rng.choice(["FR", "CN", "US"]),
            )
        )
    return made


def events(shop: str, orders: list[Order]) -> Iterator[CanonicalEvent]:
    for order in orders:
        customer = OrderCustomer(email=order.email, country=order.country)
        money = Money(amount=order.total, currency="EUR")
        paid_at_checkout = order.paid and int(order.order_id) % 3 == 0
        yield OrderCreated(
            event_id=f"{shop}:{order.order_id}:created",
            shop_id=shop,
            occurred_at=order.created_at,
            order_id=order.order_id,
            customer=customer,
            total=money,
            paid=paid_at_checkout,
        )
        at = order.created_at
        if order.paid and not paid_at_checkout:
            at += timedelta(hours=2)
            yield OrderPaid(
                event_id=f"{shop}:{order.order_id}:paid",
                shop_id=shop,
                occurred_at=at,
                order_id=order.order_id,
                customer=customer,
                amount=money,
            )
        for refund_id, amount in order.refunds.items():
            at += timedelta(days=3)
            yield RefundRequested(
                event_id=f"{shop}:{order.order_id}:{refund_id}",
                shop_id=shop,
                occurred_at=at,
                order_id=order.order_id,
                # the ingestion completes a refund's customer block before publishing
                customer=customer,
                refund_id=refund_id,
                amount=Money(amount=amount, currency="EUR"),
            )
        if order.cancelled:
            yield OrderCancelled(
                event_id=f"{shop}:{order.order_id}:cancelled",
                shop_id=shop,
                occurred_at=at + timedelta(days=1),
                order_id=order.order_id,
                customer=customer,
            )
