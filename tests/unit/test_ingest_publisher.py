"""PutEvents in batches of at most 10, every entry's result checked."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from courteous.events import OrderPaid, parse_event
from courteous.ingest.publisher import EventPublisher, PublishError
from tests.conftest import load_event


def paid(n: int) -> OrderPaid:
    detail = load_event("orders/OrderPaid")["detail"] | {"event_id": f"evt-{n}"}
    event = parse_event("OrderPaid", detail)
    assert isinstance(event, OrderPaid)
    return event


class FakeEventBridge:
    """Refuses the entries whose event id is in `refuse` (for `times` calls each)."""

    def __init__(self, refuse: set[str] | None = None, times: int = 1) -> None:
        self.calls: list[list[dict[str, Any]]] = []
        self.refuse = refuse or set()
        self.times = times
        self.throttle = 0

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(Entries)
        if self.throttle:
            self.throttle -= 1
            raise ClientError({"Error": {"Code": "ThrottlingException"}}, "PutEvents")
        results = []
        for entry in Entries:
            event_id = entry["Detail"].split('"event_id":"')[1].split('"')[0]
            refused = (
                event_id in self.refuse
                and sum(event_id in str(call) for call in self.calls) <= self.times
            )
            results.append(
                {"ErrorCode": "InternalFailure", "ErrorMessage": "try again"}
                if refused
                else {"EventId": f"eb-{event_id}"}
            )
        failed = sum("ErrorCode" in result for result in results)
        return {"FailedEntryCount": failed, "Entries": results}


def test_twenty_three_events_go_in_batches_of_ten() -> None:
    client = FakeEventBridge()
    EventPublisher(client, "bus").publish([paid(n) for n in range(23)])
    assert [len(call) for call in client.calls] == [10, 10, 3]
    assert all(entry["EventBusName"] == "bus" for call in client.calls for entry in call)


def test_refused_entries_are_retried_alone() -> None:
    # Given EventBridge refusing one entry of a batch once
    client = FakeEventBridge(refuse={"evt-3"}, times=1)
    EventPublisher(client, "bus").publish([paid(n) for n in range(5)])
    # Then only that entry is sent again
    assert [len(call) for call in client.calls] == [5, 1]


def test_entries_still_refused_raise_so_the_platform_retries() -> None:
    client = FakeEventBridge(refuse={"evt-1", "evt-2"}, times=99)
    with pytest.raises(PublishError) as raised:
        EventPublisher(client, "bus").publish([paid(n) for n in range(3)])
    assert sorted(event_id for event_id, _ in raised.value.failed) == ["evt-1", "evt-2"]
    assert "InternalFailure" in str(raised.value)


def test_a_throttled_call_is_retried() -> None:
    client = FakeEventBridge()
    client.throttle = 1
    EventPublisher(client, "bus").publish([paid(1)])
    assert len(client.calls) == 2


def test_a_call_that_keeps_failing_raises() -> None:
    client = FakeEventBridge()
    client.throttle = 5
    with pytest.raises(PublishError, match="ThrottlingException"):
        EventPublisher(client, "bus").publish([paid(1)])
