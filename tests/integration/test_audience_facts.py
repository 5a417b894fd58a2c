"""Customer facts on AWS's own DynamoDB engine: a replayed event stream gives what a
plain recomputation from the same orders gives, and duplicated, reordered or
concurrent deliveries change nothing."""

from __future__ import annotations

import random
import threading
import warnings
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from courteous.audiences.from_events import fact_of
from courteous.audiences.identity import SHARDS, customer_key
from courteous.audiences.members import Cursor, SegmentReader, first_cursor
from courteous.audiences.models import CustomerFacts, OrderFact
from courteous.audiences.recompute import RfmRuns
from courteous.audiences.segments import parse_segment
from courteous.audiences.store import FactsStore
from courteous.events.models import CustomerUpdated, OrderCustomer, RefundRequested
from courteous.messages import Channel, MessageClass
from courteous_local.servers import Engine, dynamodb_engine, local_dynamodb_client
from tests.conftest import load_event
from tests.integration.audience_helpers import (
    CONTACT_KEY,
    START,
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


def test_profiles_set_the_newest_word_per_attribute_in_any_order(table: Any) -> None:
    # Given a customer's profile updates: consent and tags, then a newer consent only
    older = CustomerUpdated.model_validate(
        load_event("orders/CustomerUpdated")["detail"] | {"shop_id": "profiles"}
    )
    newer_profile = older.customer.model_copy(
        update={"consent": {Channel.SMS: {MessageClass.MARKETING: True}}, "tags": None}
    )
    newer = older.model_copy(
        update={"occurred_at": older.occurred_at + timedelta(days=1), "customer": newer_profile}
    )
    facts = store(table)
    # When they arrive newest first, then the older one twice
    for event in (newer, older, older):
        word = fact_of(event)
        assert word is not None
        facts.apply([word])
    key = customer_key(CONTACT_KEY, "profiles", older.customer)
    assert key is not None
    customer = facts.customer("profiles", key)
    assert customer is not None
    # Then each attribute holds its newest word: SMS marketing from the newer update,
    # the rest (e-mail consent, tags, zone, birthday) from the older one
    assert customer.consent[Channel.SMS][MessageClass.MARKETING] is True
    assert customer.consent[Channel.EMAIL][MessageClass.MARKETING] is True
    assert customer.tags == ("VIP", "wholesale")
    assert customer.zone == "America/Kentucky/Louisville"
    assert customer.birthday is not None and (customer.birthday.month, customer.birthday.day) == (
        5,
        17,
    )
    assert customer.tier is not None and customer.tier.value == "vip"
    # And the outbox view carries the zone evidence and the channel's consent
    recipient = customer.recipient(Channel.SMS)
    assert recipient.zone == "America/Kentucky/Louisville" and recipient.country == "US"
    assert recipient.consent == {MessageClass.MARKETING: True, MessageClass.SERVICE: True}


def test_a_campaign_pages_a_segment_whole_or_shard_by_shard(table: Any) -> None:
    # Given 120 buyers in one shop, a third of them in France
    orders = [
        Order(
            order_id=str(n),
            email=f"p{n}@example.com",
            created_at=START + timedelta(days=n),
            total=Decimal("10.00"),
            paid=True,
            cancelled=False,
            country="FR" if n % 3 == 0 else "CN",
        )
        for n in range(120)
    ]
    facts = store(table)
    facts.apply(words("paging", orders))
    reader = SegmentReader(facts, RfmRuns(table[0], facts))
    segment = parse_segment("country = FR and purchases >= 1")
    now = START + timedelta(days=200)
    # When the whole segment is paged 7 customers' reads at a time
    seen: list[str] = []
    cursor = first_cursor()
    pages = 0
    while cursor is not None:
        page = reader.page("paging", segment, now, Cursor.decode(cursor.encode()), limit=7)
        seen.extend(member.customer_key for member in page.members)
        cursor = page.next
        pages += 1
    # Then every French buyer comes once, and nobody else
    french = {
        customer_key(CONTACT_KEY, "paging", OrderCustomer(email=o.email))
        for o in orders
        if o.country == "FR"
    }
    assert len(seen) == len(set(seen)) == 40 and set(seen) == french
    assert pages > SHARDS
    # And one worker per shard finds the same members between them
    by_shard: list[str] = []
    for shard in range(SHARDS):
        cursor = first_cursor(shard)
        while cursor is not None:
            page = reader.page("paging", segment, now, cursor)
            by_shard.extend(member.customer_key for member in page.members)
            cursor = page.next
    assert sorted(by_shard) == sorted(seen)
    # And count agrees
    assert reader.count("paging", segment, now) == (40, 120)
