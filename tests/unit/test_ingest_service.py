"""The ingestion service and its HTTP handler, with in-memory fakes for AWS.

Secrets, the event bus and the dedupe store are fakes (the real ones are exercised
against moto in tests/integration/test_ingest_webhook.py).
"""

from __future__ import annotations

import base64
import copy
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aws_lambda_powertools.utilities.idempotency import BasePersistenceLayer
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import (
    STATUS_CONSTANTS,
    DataRecord,
)

from courteous import clock
from courteous.adapters.signatures import sign_generic, sign_shopify
from courteous.customers.order_contacts import completed, has_contact
from courteous.events import CanonicalEvent, OrderCustomer, OrderEvent, Platform
from courteous.flows.settings import ShopSettings, settings_from_json
from courteous.ingest import IngestService, WebhookRequest
from courteous.ingest.http import MAX_BODY_BYTES
from courteous.ingest.publisher import PublishError
from courteous.ingest.secrets import SecretsUnavailableError
from courteous_local.runtime import LambdaContext
from functions.ingest_webhook import handler as webhook
from tests.conftest import SAMPLE_SHOP_SETTINGS, load_event

SECRETS = {
    ("acme-shop", Platform.SHOPIFY): "shpss_sample_secret",
    ("acme-shop", Platform.WOOCOMMERCE): "wc_test_secret",
    ("acme-shop", Platform.GENERIC): "whsec_sample_secret",
}
# When the generic sample was signed.
GENERIC_SIGNED_AT = datetime.fromtimestamp(1795556760, UTC)


class InMemoryPersistence(BasePersistenceLayer):
    """Powertools' persistence contract, in a dict."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.records: dict[str, DataRecord] = {}

    def _get_record(self, idempotency_key: str) -> DataRecord:
        try:
            return self.records[idempotency_key]
        except KeyError:
            raise IdempotencyItemNotFoundError from None

    def _put_record(self, data_record: DataRecord) -> None:
        existing = self.records.get(data_record.idempotency_key)
        if existing is not None and not existing.is_expired:
            stale = (
                existing.status == STATUS_CONSTANTS["INPROGRESS"]
                and existing.in_progress_expiry_timestamp is not None
                and existing.in_progress_expiry_timestamp < int(time.time() * 1000)
            )
            if not stale:
                raise IdempotencyItemAlreadyExistsError(old_data_record=existing)
        self.records[data_record.idempotency_key] = data_record

    def _update_record(self, data_record: DataRecord) -> None:
        self.records[data_record.idempotency_key] = data_record

    def _delete_record(self, data_record: DataRecord) -> None:
        self.records.pop(data_record.idempotency_key, None)


class FakeSecrets:
    def __init__(self) -> None:
        self.down = False

    def get(self, shop_id: str, platform: Platform) -> str | None:
        if self.down:
            raise SecretsUnavailableError("Parameter Store throttled")
        return SECRETS.get((shop_id, platform))


class FakeShopSettings:
    """The shops' settings parameters, over a dict of their JSON."""

    def __init__(self) -> None:
        self.shops: dict[str, dict[str, Any]] = copy.deepcopy(SAMPLE_SHOP_SETTINGS)
        self.reads: list[str] = []

    def __call__(self, shop_id: str) -> ShopSettings:
        self.reads.append(shop_id)
        shop = self.shops.get(shop_id)
        return settings_from_json(shop_id, json.dumps(shop) if shop is not None else None)


class FakeBus:
    def __init__(self) -> None:
        self.events: list[CanonicalEvent] = []
        self.failing = False

    def publish(self, events: list[CanonicalEvent]) -> None:
        if self.failing:
            raise PublishError([(event.event_id, "InternalFailure") for event in events])
        self.events.extend(events)


class FakeContacts:
    """Order contacts over a dict, with the real completion rule."""

    def __init__(self) -> None:
        self.known: dict[tuple[str, str], OrderCustomer] = {}

    def complete(self, events: list[CanonicalEvent], at: datetime) -> list[CanonicalEvent]:
        result: list[CanonicalEvent] = []
        for event in events:
            if isinstance(event, OrderEvent):
                key = (event.shop_id, event.order_id)
                if has_contact(event.customer):
                    self.known[key] = event.customer
                elif key in self.known:
                    customer = completed(self.known[key], event.customer)
                    event = event.model_copy(update={"customer": customer})
            result.append(event)
        return result


class Ingest:
    def __init__(self) -> None:
        self.secrets = FakeSecrets()
        self.bus = FakeBus()
        self.shops = FakeShopSettings()
        self.service = IngestService(
            self.secrets,
            self.bus,
            InMemoryPersistence(),
            FakeContacts(),
            shop_settings=self.shops,
            dedupe_seconds=3600,
        )

    def post(self, event: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        """The HTTP API event through the real handler module, as Lambda would call it."""
        context = LambdaContext(function_name="IngestWebhookFunction", invoked_function_arn="x")
        response = webhook.handler(event, context)
        return response["statusCode"], json.loads(response["body"]), response["headers"]


@pytest.fixture
def ingest(monkeypatch: pytest.MonkeyPatch) -> Iterator[Ingest]:
    wired = Ingest()
    monkeypatch.setattr(webhook, "service", lambda: wired.service)
    previous = clock.use_clock(lambda: GENERIC_SIGNED_AT)
    yield wired
    clock.use_clock(previous)


SAMPLES = [
    ("shopify_orders_create", 202, ["OrderCreated"]),
    ("shopify_orders_create_base64", 202, ["OrderCreated"]),
    ("shopify_orders_paid", 202, ["OrderPaid"]),
    ("shopify_orders_cancelled", 202, ["OrderCancelled"]),
    ("shopify_orders_fulfilled", 202, ["OrderShipped"]),
    ("shopify_fulfillments_create", 202, ["OrderShipped"]),
    ("shopify_refunds_create", 202, ["RefundRequested"]),
    ("shopify_customers_update", 202, ["CustomerUpdated"]),
    ("shopify_fulfillment_events_create", 200, []),
    ("shopify_orders_create_test_order", 200, []),
    ("woocommerce_order_created", 202, ["OrderCreated"]),
    ("woocommerce_order_updated_processing", 202, ["OrderPaid"]),
    ("woocommerce_order_updated_completed", 202, ["OrderShipped"]),
    ("woocommerce_customer_created", 202, ["CustomerUpdated"]),
    ("woocommerce_ping", 200, []),
    ("generic_order_delivered", 202, ["OrderDelivered"]),
]


@pytest.mark.parametrize(("name", "status", "detail_types"), SAMPLES)
def test_every_sample_delivery_gets_its_answer(
    ingest: Ingest, name: str, status: int, detail_types: list[str]
) -> None:
    # Given a real-shaped delivery from a platform
    event = load_event(f"webhooks/{name}")
    # When it is posted
    code, body, _ = ingest.post(event)
    # Then the answer and the events on the bus are the expected ones
    assert code == status, body
    assert [e.DETAIL_TYPE for e in ingest.bus.events] == detail_types
    if status == 202:
        assert body == {"accepted": [e.event_id for e in ingest.bus.events], "duplicate": False}
    else:
        assert "ignored" in body


def test_a_duplicate_delivery_is_acknowledged_and_emits_once(ingest: Ingest) -> None:
    # Given a Shopify delivery that was accepted
    event = load_event("webhooks/shopify_orders_paid")
    first = ingest.post(copy.deepcopy(event))
    # When Shopify delivers it again (same X-Shopify-Webhook-Id)
    again = ingest.post(copy.deepcopy(event))
    # Then the answer is the same, marked duplicate, and only one event was emitted
    assert first[0] == again[0] == 202
    assert again[1] == {**first[1], "duplicate": True}
    assert len(ingest.bus.events) == 1


def test_a_new_delivery_id_for_the_same_fact_is_processed_again(ingest: Ingest) -> None:
    # The stable event id lets consumers dedupe what the delivery id cannot.
    event = load_event("webhooks/shopify_orders_paid")
    ingest.post(copy.deepcopy(event))
    event["headers"]["x-shopify-webhook-id"] = "another-delivery"
    ingest.post(event)
    assert [e.event_id for e in ingest.bus.events] == ["shopify:order:450789469:paid"] * 2


def test_a_refund_without_a_customer_gets_the_orders_customer(ingest: Ingest) -> None:
    # Given the order was created with its customer's contacts
    ingest.post(load_event("webhooks/shopify_orders_create"))
    # When Shopify's refunds/create arrives, which names the order but not the customer
    code, _, _ = ingest.post(load_event("webhooks/shopify_refunds_create"))
    # Then the refund request carries the order's customer
    assert code == 202
    refund = ingest.bus.events[-1]
    assert isinstance(refund, OrderEvent)
    assert refund.customer.email == "bob.norman@hostmail.com"
    assert refund.customer.phone is None  # the order's "555-625-1199" is no real number


def test_a_failing_bus_is_503_and_the_retry_succeeds(ingest: Ingest) -> None:
    # Given EventBridge refusing entries
    event = load_event("webhooks/shopify_orders_create")
    ingest.bus.failing = True
    code, body, headers = ingest.post(copy.deepcopy(event))
    # Then the platform is told to retry, and nothing is remembered as done
    assert code == 503
    assert body["error"] == "retry_later"
    assert headers["Retry-After"] == "30"
    # When the platform retries after the bus recovered, Then the event is emitted
    ingest.bus.failing = False
    code, body, _ = ingest.post(copy.deepcopy(event))
    assert code == 202
    assert body["duplicate"] is False
    assert len(ingest.bus.events) == 1


def test_a_duplicate_arriving_while_the_first_is_in_flight_is_told_to_retry(
    ingest: Ingest,
) -> None:
    # Given a delivery whose publishing is under way when the platform sends it again
    event = load_event("webhooks/shopify_orders_paid")
    answers: list[tuple[int, dict[str, Any], dict[str, str]]] = []
    publish = ingest.bus.publish

    def publish_while_the_duplicate_arrives(events: list[CanonicalEvent]) -> None:
        answers.append(ingest.post(copy.deepcopy(event)))
        publish(events)

    ingest.bus.publish = publish_while_the_duplicate_arrives  # type: ignore[method-assign]
    first = ingest.post(copy.deepcopy(event))
    # Then the duplicate is told to come back later, and the event is emitted once
    assert answers[0][0] == 503
    assert first[0] == 202
    assert len(ingest.bus.events) == 1


def test_unreadable_secrets_are_503(ingest: Ingest) -> None:
    ingest.secrets.down = True
    code, body, _ = ingest.post(load_event("webhooks/shopify_orders_create"))
    assert (code, body["error"]) == (503, "retry_later")


def with_body(event: dict[str, Any], body: bytes, *, sign: bool = True) -> dict[str, Any]:
    event = copy.deepcopy(event)
    event["body"], event["isBase64Encoded"] = body.decode(), False
    if sign:
        event["headers"]["x-shopify-hmac-sha256"] = sign_shopify("shpss_sample_secret", body)
    return event


def test_a_one_byte_change_is_401(ingest: Ingest) -> None:
    event = load_event("webhooks/shopify_orders_create")
    event["body"] = event["body"].replace("409.94", "409.95")
    code, body, _ = ingest.post(event)
    assert (code, body["error"]) == (401, "bad_signature")
    assert ingest.bus.events == []


def route(event: dict[str, Any], platform: str, shop_id: str) -> None:
    path = f"/webhooks/{platform}/{shop_id}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["pathParameters"] = {"platform": platform, "shop_id": shop_id}


@pytest.mark.parametrize(
    ("mutate", "status", "error", "field"),
    [
        (lambda e: e["headers"].pop("x-shopify-hmac-sha256"), 401, "bad_signature", None),
        (lambda e: route(e, "magento", "acme-shop"), 404, "unknown_platform", None),
        # An unknown shop is answered as a wrong signature: no telling which shops exist
        (lambda e: route(e, "shopify", "other-shop"), 401, "bad_signature", None),
        (lambda e: route(e, "shopify", "..%2Fetc"), 404, "unknown_shop", None),
        (lambda e: route(e, "shopify", "a" * 129), 404, "unknown_shop", None),
        (lambda e: e["headers"].update({"content-type": "text/plain"}), 415, None, "content-type"),
        (lambda e: e["headers"].pop("content-type"), 415, "unsupported_media_type", "content-type"),
        (lambda e: e["headers"].pop("x-shopify-topic"), 400, "bad_request", "x-shopify-topic"),
        (lambda e: e.update(body="{" * 10, isBase64Encoded=True), 400, "bad_request", None),
    ],
)
def test_bad_requests_get_their_status(
    ingest: Ingest, mutate: Any, status: int, error: str | None, field: str | None
) -> None:
    event = load_event("webhooks/shopify_orders_create")
    mutate(event)
    code, body, _ = ingest.post(event)
    assert code == status, body
    if error:
        assert body["error"] == error
    assert body.get("field") == field
    assert ingest.bus.events == []


def test_a_shop_id_with_a_trailing_newline_is_no_shop(ingest: Ingest) -> None:
    # `^...$` would match "acme-shop\n" (`$` matches before a final newline)
    sample = load_event("webhooks/shopify_orders_create")
    request = WebhookRequest.from_http(
        platform="shopify",
        shop_id="acme-shop\n",
        headers=sample["headers"],
        body=sample["body"],
        is_base64_encoded=False,
    )
    response = ingest.service.handle(request)
    assert (response.status, response.json()) == (
        404,
        '{"error":"unknown_shop","message":"no such shop"}',
    )
    assert ingest.bus.events == []


def test_malformed_json_with_a_good_signature_is_400(ingest: Ingest) -> None:
    event = with_body(load_event("webhooks/shopify_orders_create"), b'{"id": 1,')
    code, body, _ = ingest.post(event)
    assert code == 400
    assert body["message"].startswith("malformed JSON")


def test_a_payload_the_adapter_cannot_map_names_the_field(ingest: Ingest) -> None:
    order = json.loads(load_event("webhooks/shopify_orders_create")["body"])
    order["total_price"] = "a lot"
    event = with_body(load_event("webhooks/shopify_orders_create"), json.dumps(order).encode())
    code, body, _ = ingest.post(event)
    assert (code, body["field"]) == (400, "total_price")


def test_over_4_mib_is_413(ingest: Ingest) -> None:
    event = load_event("webhooks/shopify_orders_create")
    big = base64.b64encode(b" " * (MAX_BODY_BYTES + 1)).decode()
    event.update(body=big, isBase64Encoded=True)
    code, body, _ = ingest.post(event)
    assert (code, body["error"]) == (413, "too_large")


def test_a_stale_generic_signature_is_401(ingest: Ingest) -> None:
    clock.use_clock(lambda: GENERIC_SIGNED_AT.replace(hour=23))
    code, body, _ = ingest.post(load_event("webhooks/generic_order_delivered"))
    assert code == 401
    assert "tolerance" in body["message"]


def test_a_generic_event_for_another_shop_is_400(ingest: Ingest) -> None:
    event = load_event("webhooks/generic_order_delivered")
    payload = json.loads(event["body"])
    payload["detail"]["shop_id"] = "other-shop"
    body = json.dumps(payload).encode()
    event["body"] = body.decode()
    t = int(GENERIC_SIGNED_AT.timestamp())
    event["headers"]["x-courteous-signature"] = sign_generic("whsec_sample_secret", body, t)
    code, answer, _ = ingest.post(event)
    assert (code, answer["field"]) == (400, "detail.shop_id")


def test_unknown_routes_are_404(ingest: Ingest) -> None:
    event = load_event("webhooks/shopify_orders_create")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/webhooks/shopify"
    code, _, _ = ingest.post(event)
    assert code == 404


def test_the_request_keeps_the_raw_bytes() -> None:
    raw = b'{"url":"https:\\/\\/example.com"}'
    request = WebhookRequest.from_http(
        platform="woocommerce",
        shop_id="s",
        headers={"Content-Type": "application/json; charset=UTF-8"},
        body=base64.b64encode(raw).decode(),
        is_base64_encoded=True,
    )
    assert request.raw_body() == raw
    assert request.media_type == "application/json"
