"""The webhook function end to end against moto, on resources built from template.yaml:
a signed delivery in, the canonical event on the order bus (observed through a rule to
an SQS queue), once."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from courteous import clock
from courteous_local.provision import Provisioned
from courteous_local.runtime import InProcessFunction, new_stack_id
from tests.conftest import SAMPLE_SHOP_SETTINGS, load_event

SECRETS = {
    "shopify": "shpss_sample_secret",
    "woocommerce": "wc_test_secret",
    "generic": "whsec_sample_secret",
}
GENERIC_SIGNED_AT = datetime.fromtimestamp(1795556760, UTC)


@dataclass
class Webhook:
    function: InProcessFunction
    queue_url: str

    def post(self, name: str) -> tuple[int, dict[str, Any]]:
        response = self.function.invoke(copy.deepcopy(load_event(f"webhooks/{name}")))
        return response["statusCode"], json.loads(response["body"])

    def bus_events(self) -> list[dict[str, Any]]:
        sqs = boto3.client("sqs")
        received: list[dict[str, Any]] = []
        while True:
            batch = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
            messages = batch.get("Messages", [])
            if not messages:
                return received
            for message in messages:
                received.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])


@pytest.fixture
def webhook(stack: Provisioned, monkeypatch: pytest.MonkeyPatch) -> Iterator[Webhook]:
    # Given the function as deployed, the shop's secrets in Parameter Store
    spec = stack.functions["IngestWebhookFunction"]
    for name, value in spec.environment.items():
        monkeypatch.setenv(name, value)
    ssm = boto3.client("ssm")
    for platform, secret in SECRETS.items():
        ssm.put_parameter(
            Name=spec.environment["WEBHOOK_SECRET_PARAMETER"].format(
                shop_id="acme-shop", platform=platform
            ),
            Value=secret,
            Type="SecureString",
        )
    # And its settings naming the stores the samples come from
    ssm.put_parameter(
        Name="/courteous/shops/acme-shop/settings",
        Value=json.dumps(SAMPLE_SHOP_SETTINGS["acme-shop"]),
        Type="String",
    )
    # And a rule that copies every canonical event on the bus to a queue we can read
    bus = stack.ref("OrderBus")
    queue_url = boto3.client("sqs").create_queue(QueueName="observed-order-events")["QueueUrl"]
    queue_arn = boto3.client("sqs").get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    events = boto3.client("events")
    events.put_rule(
        Name="observe", EventBusName=bus, EventPattern=json.dumps({"source": ["courteous.orders"]})
    )
    events.put_targets(Rule="observe", EventBusName=bus, Targets=[{"Id": "q", "Arn": queue_arn}])
    previous = clock.use_clock(lambda: GENERIC_SIGNED_AT)
    function = InProcessFunction(spec, new_stack_id(), "arn:aws:lambda:us-east-1:1:function:i")
    yield Webhook(function, queue_url)
    function.unload()
    clock.use_clock(previous)


def test_a_shopify_order_reaches_the_bus_once(webhook: Webhook) -> None:
    # When Shopify delivers orders/create, and then delivers it again
    first = webhook.post("shopify_orders_create")
    again = webhook.post("shopify_orders_create")
    # Then both are accepted, the second as a duplicate
    assert first == (202, {"accepted": ["shopify:order:450789469:created"], "duplicate": False})
    assert again == (202, {"accepted": ["shopify:order:450789469:created"], "duplicate": True})
    # And exactly one canonical OrderCreated is on the bus
    (event,) = webhook.bus_events()
    assert event["source"] == "courteous.orders"
    assert event["detail-type"] == "OrderCreated"
    assert event["detail"]["order_id"] == "450789469"
    assert event["detail"]["total"] == {"amount": "409.94", "currency": "USD"}
    assert event["detail"]["customer"]["email"] == "bob.norman@hostmail.com"
    assert event["detail"]["customer"]["phone"] is None  # "555-625-1199" is no real number


@pytest.mark.parametrize(
    ("name", "detail_type"),
    [
        ("woocommerce_order_created", "OrderCreated"),
        ("woocommerce_order_updated_completed", "OrderShipped"),
        ("shopify_refunds_create", "RefundRequested"),
        ("generic_order_delivered", "OrderDelivered"),
    ],
)
def test_each_platform_reaches_the_bus(webhook: Webhook, name: str, detail_type: str) -> None:
    status, body = webhook.post(name)
    assert status == 202, body
    assert [event["detail-type"] for event in webhook.bus_events()] == [detail_type]


def test_a_shipment_without_a_customer_carries_the_orders_customer(webhook: Webhook) -> None:
    # Given the order was created (its customer remembered in the CustomerTable)
    assert webhook.post("shopify_orders_create")[0] == 202
    # When fulfillments/create and refunds/create arrive, naming only the order
    assert webhook.post("shopify_fulfillments_create")[0] == 202
    assert webhook.post("shopify_refunds_create")[0] == 202
    # Then the shipping notice and the refund can reach the customer
    by_type = {e["detail-type"]: e for e in webhook.bus_events()}
    assert set(by_type) == {"OrderCreated", "OrderShipped", "RefundRequested"}
    customer = by_type["OrderCreated"]["detail"]["customer"]
    assert by_type["OrderShipped"]["detail"]["customer"] == customer
    assert by_type["RefundRequested"]["detail"]["customer"] == customer


def test_a_shop_without_a_secret_is_answered_as_a_wrong_signature(webhook: Webhook) -> None:
    # Given a delivery signed for acme-shop
    event = load_event("webhooks/shopify_orders_create")
    # When it is posted for a shop that does not exist, and for acme-shop with a forged
    # signature
    unknown = copy.deepcopy(event)
    unknown["rawPath"] = unknown["requestContext"]["http"]["path"] = "/webhooks/shopify/unknown"
    unknown["pathParameters"] = {"platform": "shopify", "shop_id": "unknown"}
    forged = copy.deepcopy(event)
    forged["headers"]["x-shopify-hmac-sha256"] = "c2lnbmVkIGJ5IHNvbWVvbmUgZWxzZQ=="
    answers = [webhook.function.invoke(e) for e in (unknown, forged)]
    # Then both get the same answer, which tells nothing about which shops exist
    assert answers[0]["statusCode"] == answers[1]["statusCode"] == 401
    assert answers[0]["body"] == answers[1]["body"]
    assert json.loads(answers[0]["body"])["error"] == "bad_signature"
    assert webhook.bus_events() == []


def test_an_ignored_topic_and_the_ping_are_200(webhook: Webhook) -> None:
    assert webhook.post("shopify_orders_create_test_order")[0] == 200
    assert webhook.post("woocommerce_ping") == (200, {"ignored": "ping", "duplicate": False})
    assert webhook.bus_events() == []


def test_the_template_routes_the_http_api_to_the_function(stack: Provisioned) -> None:
    spec = stack.functions["IngestWebhookFunction"]
    trigger = spec.events["Webhook"]
    assert trigger["Type"] == "HttpApi"
    assert trigger["Properties"]["Method"] == "POST"
    assert trigger["Properties"]["Path"] == "/webhooks/{platform}/{shop_id}"
    table = boto3.client("dynamodb").describe_table(
        TableName=spec.environment["IDEMPOTENCY_TABLE_NAME"]
    )
    assert table["Table"]["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
