"""Audiences as deployed, on the local stack built from template.yaml: order events on
the bus reach the facts function by its rule, and the daily schedule fans the RFM
recompute out over the scan queue to the scan function, which writes each shop's model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from courteous.audiences.identity import customer_key
from courteous.audiences.recompute import RfmRuns
from courteous.audiences.store import FactsStore
from courteous.events import to_put_events_entry
from courteous.events.models import OrderCustomer
from courteous_local.stack import LOCAL_CONTACT_KEY, LocalStack
from tests.integration.audience_helpers import events, history

pytestmark = pytest.mark.e2e

START = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)


def test_events_become_facts_and_the_daily_run_scores_each_shop() -> None:
    with LocalStack(START) as stack:
        assert stack.clients is not None and stack.resources is not None
        bus = stack.resources.ref("OrderBus")
        table = stack.resources.ref("AudienceTable")
        dynamodb = stack.clients("dynamodb")
        facts = FactsStore(dynamodb, table, LOCAL_CONTACT_KEY.encode())
        runs = RfmRuns(dynamodb, facts)
        eventbridge = stack.clients("events")
        orders = history(21, customers=5, orders=10)
        for order in orders:
            order.created_at = (
                START - timedelta(days=30) + (order.created_at - orders[0].created_at) / 10
            )
        # Given two shops' order events put on the bus, one shop's twice
        for shop, times in (("shop-a", 2), ("shop-b", 1)):
            for event in events(shop, orders):
                for _ in range(times):
                    entry = to_put_events_entry(event, bus)
                    eventbridge.put_events(Entries=[entry])
        stack.drain()
        # Then the facts function counted every order once, in both shops
        email = orders[0].email
        key = customer_key(LOCAL_CONTACT_KEY.encode(), "shop-a", OrderCustomer(email=email))
        assert key is not None
        mine = [o for o in orders if o.email == email]
        customer = facts.customer("shop-a", key)
        assert customer is not None and customer.orders == len(mine)
        assert runs.model("shop-a") is None
        # When the daily schedule fires (02:30 UTC)
        stack.advance_to(datetime(2026, 5, 21, 3, 0, tzinfo=UTC))
        # Then each shop was scanned by the scan function (a small shop: one task for
        # its 32 shards; a task that failed on a busy machine came back from the queue)
        # and has a model as of the schedule's instant
        scans = [i for i in stack.log.invocations if i.function == "RfmScanFunction"]
        assert len([i for i in scans if i.ok]) == 2, [i.error for i in scans]
        model = runs.model("shop-a")
        assert model is not None and model.as_of == datetime(2026, 5, 21, 2, 30, tzinfo=UTC)
        assert model.customers == len({o.email for o in orders})
        # And the next day only the shop whose facts changed is scanned, in one task
        for event in events("shop-b", history(22, customers=2, orders=3)):
            eventbridge.put_events(Entries=[to_put_events_entry(event, bus)])
        stack.drain()

        def done() -> int:
            return len(
                [i for i in stack.log.invocations if i.function == "RfmScanFunction" and i.ok]
            )

        before = done()
        stack.advance_to(datetime(2026, 5, 22, 3, 0, tzinfo=UTC))
        assert done() - before == 1
        shop_b = runs.model("shop-b")
        assert shop_b is not None and shop_b.as_of.day == 22
        shop_a = runs.model("shop-a")
        assert shop_a is not None and shop_a.as_of.day == 21
        assert [f for f in stack.log.failures if f.function != "RfmScanFunction"] == []
