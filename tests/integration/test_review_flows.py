"""The reviews function as Lambda runs it, on resources built from template.yaml:
ReviewPosted in, ReviewFlagged on the bus, one care request on the outbox."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from courteous import clock
from courteous.events import ReviewFlagged
from courteous.messages import Kind, MessageRequest
from courteous.reviews.report import build_report, render_text
from courteous.reviews.store import ReviewStore
from courteous_local.provision import Provisioned
from courteous_local.runtime import InProcessFunction
from tests.conftest import load_event
from tests.integration.test_flows_handlers import drain_outbox

SHOP = "acme-shop"
NOW = datetime(2026, 11, 27, 9, 12, tzinfo=UTC)
Invoke = Callable[[str, Any], Any]


@pytest.fixture
def invoke(stack: Provisioned, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    for logical_id in ("OrderFlowsFunction", "ReviewFlowsFunction"):
        for name, value in stack.functions[logical_id].environment.items():
            monkeypatch.setenv(name, value)
    boto3.client("ssm").put_parameter(
        Name=f"/courteous/shops/{SHOP}/settings",
        Value=json.dumps(
            {
                "shop_name": "Acme",
                "shop_domain": "acme.example.com",
                "support_email": "help@acme.example.com",
            }
        ),
        Type="String",
    )
    previous = clock.use_clock(lambda: NOW)
    loaded: dict[str, InProcessFunction] = {}

    def call(logical_id: str, event: Any) -> Any:
        if logical_id not in loaded:
            loaded[logical_id] = InProcessFunction(
                stack.functions[logical_id], 0, f"arn:{logical_id}"
            )
        return loaded[logical_id].invoke(event)

    yield call
    for function in loaded.values():
        function.unload()
    clock.use_clock(previous)


@pytest.fixture
def help_desk(stack: Provisioned) -> Callable[[], list[ReviewFlagged]]:
    """A help desk's rule on the bus: every ReviewFlagged into a queue it reads."""
    sqs, events = boto3.client("sqs"), boto3.client("events")
    url = sqs.create_queue(QueueName="help-desk")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    bus = stack.ref("OrderBus")
    events.put_rule(
        Name="help-desk",
        EventBusName=bus,
        EventPattern=json.dumps(
            {"source": ["courteous.reviews"], "detail-type": ["ReviewFlagged"]}
        ),
    )
    events.put_targets(Rule="help-desk", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])

    def read() -> list[ReviewFlagged]:
        found = []
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for message in messages:
                found.append(ReviewFlagged.model_validate(json.loads(message["Body"])["detail"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return found

    return read


def review(**detail: Any) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(load_event("orders/ReviewPosted"))
    event["detail"].update(detail)
    return event


def test_a_hidden_complaint_reaches_the_help_desk_and_gets_one_apology(
    stack: Provisioned, invoke: Invoke, help_desk: Callable[[], list[ReviewFlagged]]
) -> None:
    # Given a five-star review that says the box arrived crushed
    response = invoke("ReviewFlowsFunction", review())
    # Then the help desk gets one ReviewFlagged about packaging, marked hidden
    (flag,) = help_desk()
    assert (flag.aspect.value, flag.hidden, flag.severity.value) == ("packaging", True, "low")
    assert flag.order_id == "450789469" and flag.excerpt == "the box arrived crushed"
    assert response["flagged"] == ["packaging"]
    # And one care request is on the outbox, to the reviewer, about packaging
    (care,) = drain_outbox(stack)
    assert care.kind is Kind.REVIEW_CARE and care.order_id == "450789469"
    assert care.data["aspect"] == "packaging" and care.recipient.phone == "+15026251199"
    assert care.dedupe_key == "review_care#order:450789469"
    # When the same review is delivered again, and another review of the same order comes
    invoke("ReviewFlowsFunction", review())
    again = invoke(
        "ReviewFlowsFunction",
        review(
            review_id="rv_5522", event_id="generic:review:rv_5522", rating=1, text="Broke in a day."
        ),
    )
    # Then the redelivery publishes nothing new, and the order gets no second apology
    flags = help_desk()
    assert [(f.review_id, f.aspect.value) for f in flags] == [("rv_5522", "product_quality")]
    assert again["care_skipped"] == "care was already asked for this order"
    assert drain_outbox(stack) == []


def test_a_review_without_a_contact_is_answered_through_its_order(
    stack: Provisioned, invoke: Invoke
) -> None:
    # Given the order is known to the flows (its creation came through the bus)
    invoke("OrderFlowsFunction", load_event("orders/OrderCreated"))
    drain_outbox(stack)
    # When a one-star review of it arrives from a CSV import, naming only the order
    event = review(
        review_id="csv-1",
        event_id="csv:csv-1",
        customer={},
        order_number=None,
        rating=1,
        text="",
        title=None,
        language=None,
        platform=None,
    )
    invoke("ReviewFlowsFunction", event)
    # Then the apology goes to the order's buyer, with the order's number
    (care,) = drain_outbox(stack)
    request = MessageRequest.model_validate(care.model_dump())
    assert request.recipient.customer_id == "207119551"
    assert request.data["order_number"] == "#1001"
    assert request.data["aspect"] is None


def test_the_report_counts_complaints_per_aspect_and_week(
    stack: Provisioned, invoke: Invoke
) -> None:
    invoke("ReviewFlowsFunction", review())
    invoke(
        "ReviewFlowsFunction", review(review_id="rv_2", event_id="e2", rating=5, text="Perfect.")
    )
    store = ReviewStore(boto3.client("dynamodb"), stack.ref("ReviewTable"))
    report = build_report(store, SHOP, ["2026-W47", "2026-W48"])
    assert report.reviews == {"2026-W47": 0, "2026-W48": 2}
    cell = report.counts[next(iter(report.counts))]["2026-W48"]
    assert (cell.stated, cell.hidden) == (0, 1)
    text = render_text(report)
    assert "packaging" in text and '"the box arrived crushed"' in text
