"""Generic signed JSON: canonical events posted directly by a shop's own system."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from courteous.adapters import AdapterError, Mapped, adapt, delivery_id_of, topic_of
from courteous.events import OrderDelivered, Platform
from tests.conftest import load_event

RECEIVED_AT = datetime(2026, 11, 22, 14, 30, tzinfo=UTC)


def body(detail_type: str = "OrderDelivered") -> dict[str, Any]:
    sample = load_event(f"orders/{detail_type}")
    return {"detail-type": detail_type, "detail": copy.deepcopy(sample["detail"])}


def test_a_canonical_event_is_taken_as_it_is() -> None:
    # Given an OrderDelivered posted by the shop's own system
    payload = body()
    # When it is adapted for the shop of the URL
    result = adapt(Platform.GENERIC, "canonical", payload, "acme-shop", RECEIVED_AT)
    # Then it is that event, and its event id is the delivery id
    assert isinstance(result, Mapped)
    (event,) = result.events
    assert isinstance(event, OrderDelivered)
    assert event.event_id == "generic:evt_9f2c1d"
    assert delivery_id_of(Platform.GENERIC, {}, payload, b"") == "generic:evt_9f2c1d"


def test_platform_defaults_to_generic() -> None:
    payload = body()
    del payload["detail"]["platform"]
    result = adapt(Platform.GENERIC, "canonical", payload, "acme-shop", RECEIVED_AT)
    assert isinstance(result, Mapped)
    assert result.events[0].platform is Platform.GENERIC


def test_a_shop_cannot_post_events_of_another_shop() -> None:
    with pytest.raises(AdapterError) as raised:
        adapt(Platform.GENERIC, "canonical", body(), "other-shop", RECEIVED_AT)
    assert raised.value.field == "detail.shop_id"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.pop("detail-type"), "detail-type"),
        (lambda b: b.update({"detail-type": "OrderLost"}), "detail-type"),
        (lambda b: b.update(detail=[]), "detail"),
        (lambda b: b.update(source="x"), "source"),
        (lambda b: b["detail"].pop("delivered_at"), "detail.delivered_at"),
        (lambda b: b["detail"]["customer"].update(phone="12"), "detail.customer"),
        (lambda b: b["detail"].update(occurred_at="2026-11-24T16:45:00"), "detail.occurred_at"),
    ],
)
def test_a_bad_canonical_body_names_the_field(mutate: Any, field: str) -> None:
    payload = body()
    mutate(payload)
    with pytest.raises(AdapterError) as raised:
        adapt(Platform.GENERIC, "canonical", payload, "acme-shop", RECEIVED_AT)
    assert raised.value.field == field


def test_topics_and_delivery_ids_come_from_the_platform_headers() -> None:
    headers = {"x-shopify-topic": "orders/create", "x-shopify-webhook-id": "b54557e4"}
    assert topic_of(Platform.SHOPIFY, headers) == "orders/create"
    assert delivery_id_of(Platform.SHOPIFY, headers, {}, b"{}") == "b54557e4"
    wc = {"x-wc-webhook-topic": "order.updated", "x-wc-webhook-delivery-id": "31"}
    assert topic_of(Platform.WOOCOMMERCE, wc) == "order.updated"
    # WooCommerce's delivery id repeats within a second: its deliveries are told apart
    # by their content (see test_woocommerce_deliveries_in_one_second_are_not_duplicates)
    digest = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
    assert delivery_id_of(Platform.WOOCOMMERCE, wc, {}, b"{}") == f"order.updated:{digest}"
    with pytest.raises(AdapterError) as raised:
        topic_of(Platform.SHOPIFY, {})
    assert raised.value.field == "x-shopify-topic"
