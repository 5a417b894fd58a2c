"""Whatever arrives, the webhook never answers 5xx for bad input (Hypothesis)."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courteous import clock
from courteous.adapters.signatures import sign_generic, sign_shopify, sign_woocommerce
from functions.ingest_webhook import handler as webhook
from tests.conftest import load_event
from tests.unit.test_ingest_service import GENERIC_SIGNED_AT, Ingest

BAD_INPUT_STATUSES = {200, 202, 400, 401, 404, 413, 415}
# A request the router cannot match never reaches the service, so it records no metric.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
header_names = st.sampled_from(
    [
        "content-type",
        "x-shopify-topic",
        "x-shopify-hmac-sha256",
        "x-shopify-webhook-id",
        "x-wc-webhook-topic",
        "x-wc-webhook-signature",
        "x-wc-webhook-delivery-id",
        "x-courteous-signature",
    ]
) | st.text(min_size=1, max_size=20)
header_values = st.sampled_from(
    ["application/json", "orders/create", "order.updated", "t=1,v1=00", "", "==", "t=x"]
) | st.text(max_size=60)


@contextmanager
def wired() -> Iterator[Ingest]:
    ingest = Ingest()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(webhook, "service", lambda: ingest.service)
        previous = clock.use_clock(lambda: GENERIC_SIGNED_AT)
        try:
            yield ingest
        finally:
            clock.use_clock(previous)


def post(ingest: Ingest, event: dict[str, Any]) -> int:
    status, body, _ = ingest.post(event)
    assert isinstance(body, dict)
    return status


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    platform=st.one_of(
        st.sampled_from(["shopify", "woocommerce", "generic"]),
        st.sampled_from(["shopify", "woocommerce", "generic"]),
        st.text(max_size=12),
    ),
    shop_id=st.one_of(st.just("acme-shop"), st.just("acme-shop"), st.text(min_size=1, max_size=20)),
    content_type=st.sampled_from(
        ["application/json", "application/json; charset=utf-8", "text/plain"]
    ),
    body=st.binary(max_size=400) | st.text(max_size=400).map(str.encode),
    as_base64=st.booleans(),
    headers=st.dictionaries(header_names, header_values, max_size=6),
)
def test_arbitrary_requests_never_get_a_5xx(
    platform: str,
    shop_id: str,
    content_type: str,
    body: bytes,
    as_base64: bool,
    headers: dict[str, str],
) -> None:
    event = load_event("webhooks/shopify_orders_create")
    path = f"/webhooks/{platform}/{shop_id}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["pathParameters"] = {"platform": platform, "shop_id": shop_id}
    event["headers"] = {"content-type": content_type, **headers}
    if as_base64:
        event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    else:
        event["body"] = body.decode("utf-8", "surrogateescape")
        event["isBase64Encoded"] = False
    with wired() as ingest:
        assert post(ingest, event) in BAD_INPUT_STATUSES | {404}


SIGNED_SAMPLES = [
    "shopify_orders_create",
    "shopify_orders_fulfilled",
    "shopify_refunds_create",
    "shopify_customers_update",
    "shopify_fulfillment_events_create",
    "woocommerce_order_created",
    "woocommerce_order_updated_completed",
    "woocommerce_customer_created",
    "generic_order_delivered",
]


def resign(event: dict[str, Any], body: bytes) -> dict[str, Any]:
    event = copy.deepcopy(event)
    event["body"], event["isBase64Encoded"] = body.decode(), False
    headers = event["headers"]
    if "x-shopify-hmac-sha256" in headers:
        headers["x-shopify-hmac-sha256"] = sign_shopify("shpss_sample_secret", body)
        headers["x-shopify-webhook-id"] = str(hash(body))
    elif "x-wc-webhook-signature" in headers:
        headers["x-wc-webhook-signature"] = sign_woocommerce("wc_test_secret", body)
        headers["x-wc-webhook-delivery-id"] = str(hash(body))
    else:
        t = int(GENERIC_SIGNED_AT.timestamp())
        headers["x-courteous-signature"] = sign_generic("whsec_sample_secret", body, t)
    return event


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value[:3]):
            found.extend(paths(item, (*prefix, index)))
    return found


def replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, *rest = path
    copied = copy.copy(value)
    copied[head] = replace(value[head], tuple(rest), new)
    return copied


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sample=st.sampled_from(SIGNED_SAMPLES), data=st.data(), new_value=json_values)
def test_signed_payloads_with_any_field_replaced_never_get_a_5xx(
    sample: str, data: st.DataObject, new_value: Any
) -> None:
    # Given a real, correctly signed delivery in which one field holds anything at all
    event = load_event(f"webhooks/{sample}")
    payload = json.loads(event["body"])
    path = data.draw(st.sampled_from(paths(payload)))
    mutated = replace(payload, path, new_value)
    body = json.dumps(mutated, allow_nan=True).encode()
    # When it is posted, Then it is mapped, ignored or refused as bad input: never 5xx
    with wired() as ingest:
        assert post(ingest, resign(event, body)) in {200, 202, 400}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sample=st.sampled_from(SIGNED_SAMPLES), payload=json_values)
def test_any_signed_json_never_gets_a_5xx(sample: str, payload: Any) -> None:
    event = resign(load_event(f"webhooks/{sample}"), json.dumps(payload).encode())
    with wired() as ingest:
        assert post(ingest, event) in {200, 202, 400}
