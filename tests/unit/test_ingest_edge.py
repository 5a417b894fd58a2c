"""The webhook edge on real bodies: dedupe, the shop a delivery is for, what is dropped.

Each delivery is a real body (tests/fixtures, with sources) serialised as its platform
does and signed with the sample secrets, posted through the real handler with the
in-memory fakes of test_ingest_service.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from courteous import clock
from courteous.adapters.signatures import sign_shopify, sign_woocommerce
from courteous.events import OrderCreated
from functions.ingest_webhook import handler as webhook
from tests.conftest import FIXTURES_DIR, load_event
from tests.unit.test_ingest_service import GENERIC_SIGNED_AT, Ingest

WOO = "woocommerce/public_captures/"
SHOPIFY = "shopify/public_captures/"


@pytest.fixture
def ingest(monkeypatch: pytest.MonkeyPatch) -> Iterator[Ingest]:
    wired = Ingest()
    monkeypatch.setattr(webhook, "service", lambda: wired.service)
    previous = clock.use_clock(lambda: GENERIC_SIGNED_AT)
    yield wired
    clock.use_clock(previous)


def php_json(payload: Any) -> bytes:
    """`wp_json_encode`: PHP's json_encode defaults (`/` and non-ASCII escaped)."""
    return json.dumps(payload, separators=(",", ":")).replace("/", "\\/").encode()


def shopify_json(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def fixture(path: str) -> Any:
    return json.loads((FIXTURES_DIR / path).read_text(encoding="utf-8"))


def woo_delivery(payload: Any, topic: str, delivery_id: str) -> dict[str, Any]:
    event = load_event("webhooks/woocommerce_order_created")
    raw = php_json(payload)
    event["body"] = raw.decode()
    event["headers"] |= {
        "x-wc-webhook-topic": topic,
        "x-wc-webhook-signature": sign_woocommerce("wc_test_secret", raw),
        "x-wc-webhook-delivery-id": delivery_id,
        "content-length": str(len(raw)),
    }
    return event


def shopify_delivery(payload: Any, topic: str, webhook_id: str) -> dict[str, Any]:
    event = load_event("webhooks/shopify_orders_create")
    raw = shopify_json(payload)
    event["body"] = raw.decode()
    event["headers"] |= {
        "x-shopify-topic": topic,
        "x-shopify-hmac-sha256": sign_shopify("shpss_sample_secret", raw),
        "x-shopify-webhook-id": webhook_id,
        "content-length": str(len(raw)),
    }
    return event


# ---------------------------------------------------------------------- dedupe
def test_woocommerce_deliveries_in_one_second_are_not_duplicates(ingest: Ingest) -> None:
    # Given two different real orders delivered by one webhook in the same second:
    # WooCommerce gives both the same X-WC-Webhook-Delivery-ID (wp_hash(id . time()))
    same_second = hashlib.md5(b"12" + b"1795530000").hexdigest()
    first = woo_delivery(
        fixture(WOO + "w03_order_created_pipedream_15_completed_vn.json"),
        "order.created",
        same_second,
    )
    second = woo_delivery(
        fixture(WOO + "w05_order_created_activepieces_17_pending_cod.json"),
        "order.created",
        same_second,
    )
    # When both are posted
    answers = [ingest.post(first), ingest.post(second)]
    # Then both are accepted as new, and each order became its event
    assert [(code, body["duplicate"]) for code, body, _ in answers] == [(202, False), (202, False)]
    assert [e.event_id for e in ingest.bus.events] == [
        "woocommerce:order:15:created",
        "woocommerce:order:17:created",
    ]
    # And the same delivery again (same bytes) is a duplicate that emits nothing new
    code, again, _ = ingest.post(copy.deepcopy(second))
    assert (code, again["duplicate"]) == (202, True)
    assert len(ingest.bus.events) == 2


# ---------------------------------------------------------------------- which shop
def test_a_delivery_from_another_store_is_401_even_with_the_right_signature(
    ingest: Ingest,
) -> None:
    # Given a Shopify app whose one client secret signs every shop's webhooks
    event = load_event("webhooks/shopify_orders_create")
    event["headers"]["x-shopify-shop-domain"] = "someone-else.myshopify.com"
    code, body, _ = ingest.post(event)
    assert (code, body["error"], body["field"]) == (401, "wrong_shop", "x-shopify-shop-domain")
    assert ingest.bus.events == []


def test_a_woocommerce_site_other_than_the_shops_is_401(ingest: Ingest) -> None:
    event = load_event("webhooks/woocommerce_order_created")
    event["headers"]["x-wc-webhook-source"] = "https://shop.example.net/"
    code, body, _ = ingest.post(event)
    assert (code, body["error"], body["field"]) == (401, "wrong_shop", "x-wc-webhook-source")
    # The same site written another way is the same site
    event["headers"]["x-wc-webhook-source"] = "HTTPS://Shop.Example.com:443"
    assert ingest.post(event)[0] == 202


@pytest.mark.parametrize("name", ["shopify_orders_create", "woocommerce_order_created"])
def test_a_shop_that_named_no_store_for_the_platform_accepts_nothing_from_it(
    ingest: Ingest, name: str
) -> None:
    ingest.shops.shops["acme-shop"] = {"shop_name": "Acme"}
    code, body, _ = ingest.post(load_event(f"webhooks/{name}"))
    assert (code, body["error"]) == (401, "wrong_shop")
    assert "configured" in body["message"]


def test_a_shop_with_settings_that_do_not_validate_is_retried(ingest: Ingest) -> None:
    ingest.shops.shops["acme-shop"] = {"shopify_domain": "not a domain"}
    code, body, headers = ingest.post(load_event("webhooks/shopify_orders_create"))
    assert (code, body["error"], headers["Retry-After"]) == (503, "retry_later", "30")


def test_an_unknown_shop_is_told_nothing_more_than_a_bad_signature(ingest: Ingest) -> None:
    # Given the same forged delivery for a shop that exists and one that does not
    forged = load_event("webhooks/shopify_orders_create")
    forged["headers"]["x-shopify-hmac-sha256"] = sign_shopify("guess", forged["body"].encode())
    unknown = copy.deepcopy(forged)
    unknown["rawPath"] = unknown["requestContext"]["http"]["path"] = "/webhooks/shopify/nobody"
    unknown["pathParameters"] = {"platform": "shopify", "shop_id": "nobody"}
    # Then the answers are the same, byte for byte
    assert ingest.post(forged)[:2] == ingest.post(unknown)[:2]
    assert ingest.post(unknown)[0] == 401
    # And without any signature, too
    for event in (forged, unknown):
        del event["headers"]["x-shopify-hmac-sha256"]
    assert ingest.post(forged)[:2] == ingest.post(unknown)[:2]
    # A shop's settings are read only once the delivery is signed by its secret
    assert ingest.shops.reads == []


def test_the_woocommerce_ping_is_acknowledged_for_any_shop(ingest: Ingest) -> None:
    ping = load_event("webhooks/woocommerce_ping")
    unknown = copy.deepcopy(ping)
    unknown["rawPath"] = unknown["requestContext"]["http"]["path"] = "/webhooks/woocommerce/x"
    unknown["pathParameters"] = {"platform": "woocommerce", "shop_id": "x"}
    assert (
        ingest.post(ping)[:2]
        == ingest.post(unknown)[:2]
        == (200, {"ignored": "ping", "duplicate": False})
    )


# ---------------------------------------------------------------------- money and size
def test_a_json_number_too_small_for_a_float_is_not_read_as_zero(ingest: Ingest) -> None:
    # Given a real order whose total is the JSON number 1e-400 (a float reads 0.0)
    order = fixture(SHOPIFY + "s01_orders_create_membi_hkd_paid.json")
    raw = shopify_json(order).replace(b'"total_price":"394.00"', b'"total_price":1e-400')
    event = shopify_delivery(order, "orders/create", "d-1e-400")
    event["body"] = raw.decode()
    event["headers"]["x-shopify-hmac-sha256"] = sign_shopify("shpss_sample_secret", raw)
    code, body, _ = ingest.post(event)
    # Then it is refused as not an amount, not accepted as a free order
    assert (code, body["field"]) == (400, "total_price")
    assert ingest.bus.events == []


def test_an_order_of_hundreds_of_lines_over_256_kb_is_accepted(ingest: Ingest) -> None:
    order = fixture(SHOPIFY + "s01_orders_create_membi_hkd_paid.json")
    template = order["line_items"]
    order["line_items"] = [
        template[index % len(template)] | {"id": 20_000 + index} for index in range(400)
    ]
    event = shopify_delivery(order, "orders/create", "d-400-lines")
    assert len(event["body"].encode()) > 256 * 1024
    code, body, _ = ingest.post(event)
    assert code == 202, body
    (created,) = ingest.bus.events
    assert isinstance(created, OrderCreated)
    assert len(created.line_items) == 400


# ---------------------------------------------------------------------- dropped fields
def test_a_dropped_field_is_logged_without_its_value_and_counted(
    ingest: Ingest,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    # Given Shopify's fulfillments/create sample: destination phone "555-555-SHIP", and a
    # null among its tracking numbers
    payload = fixture("shopify/shopify_webhooks_go_2025_01/fulfillments_create.json")
    payload["tracking_numbers"] = [None, *payload["tracking_numbers"]]
    code, _, _ = ingest.post(shopify_delivery(payload, "fulfillments/create", "d-drop"))
    # Then the shipment is accepted
    assert code == 202
    # And each dropped field is logged by its path and reason, never its value
    dropped = [r for r in caplog.records if r.getMessage() == "webhook field dropped"]
    assert {(r.field, r.reason) for r in dropped} == {  # type: ignore[attr-defined]
        ("tracking_numbers.0", "string_type"),
        ("destination.phone", "invalid_phone"),
    }
    assert not any("SHIP" in str(vars(record)) for record in caplog.records)
    # And counted, per field, as a CloudWatch metric (embedded metric format)
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "_aws" in line]
    counted = sorted(
        (blob["field"], blob["WebhookFieldDropped"])
        for blob in printed
        if "WebhookFieldDropped" in blob
    )
    assert counted == [("destination.phone", [1.0]), ("tracking_numbers.*", [1.0])]


def test_orders_paid_is_dated_by_the_triggered_at_header(ingest: Ingest) -> None:
    order = fixture(SHOPIFY + "s05_orders_paid_erp_pln.json")
    event = shopify_delivery(order, "orders/paid", "d-paid")
    placed = datetime.fromisoformat(order["created_at"])
    event["headers"]["x-shopify-triggered-at"] = (placed + timedelta(hours=2)).isoformat().replace(
        "+00:00", "Z"
    )[:-6] + ".123456789+02:00"
    code, _, _ = ingest.post(event)
    assert code == 202
    (paid,) = ingest.bus.events
    assert paid.occurred_at == placed + timedelta(hours=2, microseconds=123456)
