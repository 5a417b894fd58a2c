"""Customer facts on AWS's own DynamoDB engine: a replayed event stream gives what a
plain recomputation from the same orders gives, and duplicated, reordered or
concurrent deliveries change nothing."""

from __future__ import annotations

import random
import threading
import warnings
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from courteous.audiences.from_events import fact_of
from courteous.audiences.identity import SHARDS, customer_key
from courteous.audiences.models import CustomerFacts, OrderFact
from courteous.audiences.store import FactsStore
from courteous.events.models import OrderCustomer, RefundRequested
from courteous_local.servers import Engine, dynamodb_engine, local_dynamodb_client
from tests.integration.audience_helpers import (
    CONTACT_KEY,
    Order,
    audience_table,
    events,
    history,
)


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with dynamodb_engine() as running:
        if running.note:
            warnings.warn(running.note, stacklevel=1)
        yield running


@pytest.fixture(scope="module")
def table(engine: Engine) -> tuple[Any, str]:
    return audience_table(engine, "facts")


def store(table: tuple[Any, str]) -> FactsStore:
    client, name = table
    return FactsStore(client, name, CONTACT_KEY)


def words(shop: str, orders: list[Order]) -> list[OrderFact]:
    found = [fact_of(event) for event in events(shop, orders)]
    return [word for word in found if isinstance(word, OrderFact)]


def recomputed(orders: list[Order]) -> dict[str, dict[str, Any]]:
    """The facts by hand: per buyer, straight from the orders."""
    by_buyer: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"orders": 0, "purchases": 0, "cancelled": 0, "refunds": 0, "spent": Decimal(0)}
    )
    placed: dict[str, list[Order]] = defaultdict(list)
    for order in orders:
        facts = by_buyer[order.email]
        facts["orders"] += 1
        facts["cancelled"] += order.cancelled
        facts["refunds"] += len(order.refunds)
        if order.paid and not order.cancelled:
            facts["purchases"] += 1
            facts["spent"] += max(Decimal(0), order.total - sum(order.refunds.values()))
        placed[order.email].append(order)
    for email, mine in placed.items():
        newest = max(mine, key=lambda o: o.created_at)
        by_buyer[email]["first_order_at"] = min(o.created_at for o in mine)
        by_buyer[email]["last_order_at"] = newest.created_at
        by_buyer[email]["country"] = newest.country
        paid = [o.created_at for o in mine if o.paid]
        by_buyer[email]["last_purchase_at"] = max(paid) if paid else None
    return dict(by_buyer)


def stored(facts: FactsStore, shop: str, orders: list[Order]) -> dict[str, dict[str, Any]]:
    found = {}
    for email in {order.email for order in orders}:
        key = customer_key(CONTACT_KEY, shop, OrderCustomer(email=email))
        assert key is not None
        customer = facts.customer(shop, key)
        assert customer is not None, email
        found[email] = summary(customer)
    return found


def summary(customer: CustomerFacts) -> dict[str, Any]:
    return {
        "orders": customer.orders,
        "purchases": customer.purchases,
        "cancelled": customer.cancelled,
        "refunds": customer.refunds,
        "spent": customer.spent.get("EUR", Decimal(0)),
        "first_order_at": customer.first_order_at,
        "last_order_at": customer.last_order_at,
        "last_purchase_at": customer.last_purchase_at,
        "country": customer.country,
    }


def everyone(facts: FactsStore, shop: str) -> dict[str, dict[str, Any]]:
    return {
        customer.customer_key: summary(customer)
        for shard in range(SHARDS)
        for customer in facts.shard_facts(shop, shard)
    }


@pytest.mark.parametrize("seed", [1, 2])
def test_facts_from_a_replayed_stream_equal_a_recomputation(table: Any, seed: int) -> None:
    # Given a shop's order history as the canonical events it produced
    orders = history(seed)
    shop = f"replay-{seed}"
    facts = store(table)
    # When the stream is replayed through the facts, one event at a time
    for word in words(shop, orders):
        facts.apply([word])
    # Then every buyer's facts are what a plain computation from the orders gives
    assert stored(facts, shop, orders) == recomputed(orders)


def test_duplicated_and_reordered_events_change_nothing(table: Any) -> None:
    # Given the same history replayed in order into one shop
    orders = history(7)
    facts = store(table)
    facts.apply(words("in-order", orders))
    # When another shop gets every event twice or three times, shuffled, in batches
    shuffled = words("shuffled", orders) * 3
    random.Random(7).shuffle(shuffled)
    result = facts.apply(shuffled)
    # Then the facts are the same, and two thirds of the deliveries changed nothing
    assert stored(facts, "shuffled", orders) == stored(facts, "in-order", orders)
    assert len(everyone(facts, "shuffled")) == len({order.email for order in orders})
    assert result.unchanged >= 2 * len(shuffled) // 3
    # And replaying the whole stream once more writes nothing at all
    again = facts.apply(words("shuffled", orders))
    assert again.applied == 0


def test_concurrent_deliveries_of_one_customers_orders_count_once_each(table: Any) -> None:
    # Given one buyer's 20 orders, every event delivered to 4 workers at once
    orders = history(11, customers=1, orders=20)
    endpoint, name = table[0].meta.endpoint_url, table[1]
    stream = words("racing", orders)
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker(n: int) -> None:
        own = FactsStore(local_dynamodb_client(endpoint), name, CONTACT_KEY)
        mine = list(stream)
        random.Random(n).shuffle(mine)
        barrier.wait()
        try:
            for word in mine:
                own.apply([word])
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then no worker failed and the facts are those of one delivery each
    assert errors == []
    assert stored(store(table), "racing", orders) == recomputed(orders)


def test_a_refund_without_a_customer_block_counts_for_its_orders_customer(table: Any) -> None:
    # Given an order placed and paid by a buyer
    orders = history(3, customers=1, orders=1)
    order = orders[0]
    order.paid, order.cancelled, order.refunds = True, False, {}
    facts = store(table)
    facts.apply(words("bare-refund", orders))
    # When a refund arrives naming the order but nobody
    refund = RefundRequested(
        event_id="bare-refund:r1",
        shop_id="bare-refund",
        occurred_at=order.created_at,
        order_id=order.order_id,
        customer=OrderCustomer(),
        refund_id="r1",
        amount={"amount": "1.00", "currency": "EUR"},  # type: ignore[arg-type]
    )
    word = fact_of(refund)
    assert isinstance(word, OrderFact)
    facts.apply([word])
    # Then it counts for the customer the order is filed under
    (customer,) = stored(facts, "bare-refund", orders).values()
    assert customer["refunds"] == 1
    assert customer["spent"] == order.total - Decimal("1.00")
