"""Real webhook bodies from public sources, mapped right (see each folder's SOURCE.md).

One test per way a real body was misread: WooCommerce deliveries sharing a delivery id,
the kind of a refund, impossible phone numbers, tracking links, a refund whose
transactions name no currency, fields that cannot be read, the time of a payment and
the money the buyer saw. Bodies are vendored byte-exact; where a test needs a shape
no public body has (a tracking item, a second currency) it changes one field of a real
body and says so.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import phonenumbers
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from courteous.adapters import AdapterError, Dropped, Ignored, Mapped, adapt
from courteous.adapters.tracking import format_link, predefined, wp_slug
from courteous.events import (
    CustomerUpdated,
    OrderCreated,
    OrderPaid,
    OrderShipped,
    Platform,
    RefundKind,
    RefundRequested,
)
from courteous.recipients.identity import InvalidContactError, normalise_phone, recipient_key
from tests.conftest import FIXTURES_DIR

RECEIVED_AT = datetime(2026, 11, 22, 14, 30, tzinfo=UTC)
GO = "shopify/shopify_webhooks_go_2025_01/"
SHOPIFY = "shopify/public_captures/"
WOO = "woocommerce/public_captures/"


def body(path: str) -> Any:
    return json.loads((FIXTURES_DIR / path).read_text(encoding="utf-8"))


def shopify(topic: str, payload: Any, **options: Any) -> Mapped:
    result = adapt(Platform.SHOPIFY, topic, payload, "acme-shop", RECEIVED_AT, **options)
    assert isinstance(result, Mapped), result
    return result


def woocommerce(topic: str, payload: Any) -> Mapped:
    result = adapt(Platform.WOOCOMMERCE, topic, payload, "acme-shop", RECEIVED_AT)
    assert isinstance(result, Mapped), result
    return result


# ---------------------------------------------------------------------- 2. refund kind
def test_a_refund_restocked_as_cancel_is_not_a_return() -> None:
    # Given a real refunds/create: the unfulfilled item is put back (restock_type cancel)
    refund = body(SHOPIFY + "s06_refunds_create_pipedream_vnd_restock_cancel.json")
    assert refund["restock"] is True
    # When it is mapped
    (event,) = shopify("refunds/create", refund).events
    # Then it is a refund only: no parcel is on its way back
    assert isinstance(event, RefundRequested)
    assert event.kind is RefundKind.REFUND_ONLY
    assert event.amount is not None
    assert (event.amount.amount, event.amount.currency) == (Decimal("20"), "VND")


@pytest.mark.parametrize(
    ("restock_type", "fulfillment_status", "kind"),
    [
        ("return", None, RefundKind.RETURN_AND_REFUND),
        ("legacy_restock", "fulfilled", RefundKind.RETURN_AND_REFUND),
        ("legacy_restock", None, RefundKind.REFUND_ONLY),
        ("no_restock", "fulfilled", RefundKind.REFUND_ONLY),
    ],
)
def test_only_items_that_came_back_make_a_return(
    restock_type: str, fulfillment_status: str | None, kind: RefundKind
) -> None:
    # The same real refund with its line restocked otherwise
    refund = body(SHOPIFY + "s06_refunds_create_pipedream_vnd_restock_cancel.json")
    line = refund["refund_line_items"][0]
    line["restock_type"] = restock_type
    line["line_item"]["fulfillment_status"] = fulfillment_status
    (event,) = shopify("refunds/create", refund).events
    assert isinstance(event, RefundRequested)
    assert event.kind is kind


# ---------------------------------------------------------------------- 3. phones
def test_a_vanity_phone_is_refused_and_the_shipment_keeps_its_email() -> None:
    # Given Shopify's own fulfillments/create sample, destination phone "555-555-SHIP"
    fulfillment = body(GO + "fulfillments_create.json")
    assert fulfillment["destination"]["phone"] == "555-555-SHIP"
    result = shopify("fulfillments/create", fulfillment)
    (event,) = result.events
    # Then no phone is made up from the letters, and the e-mail is kept
    assert isinstance(event, OrderShipped)
    assert event.customer.phone is None
    assert event.customer.email == "jon@example.com"
    assert Dropped("destination.phone", "invalid_phone") in result.dropped


def test_a_number_of_the_right_length_that_nobody_can_answer_is_refused() -> None:
    # Given Shopify's customers/create sample, phone "555-555-5555" (Ottawa address)
    customer = body(GO + "customers_create.json")
    assert customer["default_address"]["phone"] == "555-555-5555"
    (event,) = shopify("customers/create", customer).events
    assert isinstance(event, CustomerUpdated)
    assert event.customer.phone is None
    assert event.customer.email == "bob@biller.com"


def test_a_brazilian_number_with_an_unassigned_area_is_refused() -> None:
    # Given WooCommerce's docs order 723, billing phone "(11) 1111-1111" in Brazil
    order = body(WOO + "w01_order_updated_docs_723_completed_two_refunds.json")
    result = woocommerce("order.updated", order)
    # Then every event of it keeps the e-mail and has no phone
    assert {event.customer.phone for event in result.events} == {None}  # type: ignore[attr-defined]
    assert {event.customer.email for event in result.events} == {"joao.silva@example.com"}  # type: ignore[attr-defined]
    assert Dropped("billing.phone", "invalid_phone") in result.dropped


def test_a_real_mobile_number_is_kept() -> None:
    # Given a real orders/create from a Hong Kong store, buyer phone +852 9123 0001
    (event,) = shopify(
        "orders/create", body(SHOPIFY + "s01_orders_create_membi_hkd_paid.json")
    ).events
    assert isinstance(event, OrderCreated)
    assert event.customer.phone == "+85291230001"


@pytest.mark.parametrize("invalid", ["555-555-SHIP", "+1 555 555 5555", "+55 11 1111-1111"])
def test_nothing_invalid_becomes_a_ledger_key(invalid: str) -> None:
    with pytest.raises(InvalidContactError):
        recipient_key(b"k" * 32, "acme-shop", invalid)


_REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)
_FORMATS = [
    phonenumbers.PhoneNumberFormat.E164,
    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    phonenumbers.PhoneNumberFormat.NATIONAL,
    phonenumbers.PhoneNumberFormat.RFC3966,
]
_TYPES = [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]


@st.composite
def valid_numbers(draw: st.DrawFn) -> tuple[phonenumbers.PhoneNumber, str]:
    """A number libphonenumber knows to be valid, found near a region's example number."""
    region = draw(st.sampled_from(_REGIONS))
    example = phonenumbers.example_number_for_type(region, draw(st.sampled_from(_TYPES)))
    if example is None:
        example = phonenumbers.example_number(region)
    assert example is not None
    national = str(example.national_number)
    tail = draw(st.integers(min_value=0, max_value=99))
    candidate = phonenumbers.parse(f"+{example.country_code}{national[:-2]}{tail:02d}")
    number = candidate if phonenumbers.is_valid_number(candidate) else example
    return number, region


@settings(max_examples=300, deadline=None)
@given(valid=valid_numbers(), number_format=st.sampled_from(_FORMATS))
def test_a_valid_number_is_kept_in_every_format(
    valid: tuple[phonenumbers.PhoneNumber, str], number_format: int
) -> None:
    number, region = valid
    written = phonenumbers.format_number(number, number_format)
    expected = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    # libphonenumber's own national form is ambiguous for a few old numbers: Gabon's
    # 8-digit "06 03 12 00" reads back as the valid 9-digit +241 06 03 12 00. What is
    # written that way is another number, which the shop would have meant.
    assume(phonenumbers.parse(written, region) == number)
    # Then however the shop wrote it (national form read in the number's own region)
    assert normalise_phone(written, region) == expected


@settings(max_examples=300, deadline=None)
@given(
    digits=st.text(alphabet="0123456789", min_size=1, max_size=17),
    region=st.sampled_from(_REGIONS),
    plus=st.booleans(),
)
def test_a_number_is_kept_only_when_it_is_valid(digits: str, region: str, plus: bool) -> None:
    text = ("+" if plus else "") + digits
    try:
        parsed = phonenumbers.parse(text, region)
        valid = phonenumbers.is_valid_number(parsed)
    except phonenumbers.NumberParseException:
        valid = False
    if valid:
        assert normalise_phone(text, region) == phonenumbers.format_number(
            parsed, phonenumbers.PhoneNumberFormat.E164
        )
    else:
        with pytest.raises(InvalidContactError):
            normalise_phone(text, region)


@settings(max_examples=200, deadline=None)
@given(
    valid=valid_numbers(),
    letters=st.text(alphabet=st.characters(categories=("Lu", "Ll", "Lo")), min_size=1),
    at=st.integers(min_value=0, max_value=20),
)
def test_a_number_with_letters_is_refused(
    valid: tuple[phonenumbers.PhoneNumber, str], letters: str, at: int
) -> None:
    number, region = valid
    written = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    spelled = written[:at] + letters + written[at:]
    with pytest.raises(InvalidContactError):
        normalise_phone(spelled, region)


# ---------------------------------------------------------------------- 4. tracking links
def _with_tracking(order: dict[str, Any], **item: str) -> dict[str, Any]:
    # The item as the Shipment Tracking extension stores it (add_tracking_item)
    order = copy.deepcopy(order)
    tracking = {
        "tracking_provider": "",
        "custom_tracking_provider": "",
        "custom_tracking_link": "",
        "tracking_number": "LB123456789BR",
        "date_shipped": "1490125491",
        "tracking_id": "c8a1e9d5b6f04a7e9b3d2c1f0e9d8c7b",
    } | item
    order["meta_data"].append(
        {"id": 5077, "key": "_wc_shipment_tracking_items", "value": [tracking]}
    )
    return order


def test_a_custom_tracking_link_is_a_template_filled_in() -> None:
    # Given WooCommerce's order 723 (Brazil, postcode 12345-000) shipped with a custom
    # provider whose link is a template, as the extension's docs describe it
    order = _with_tracking(
        body(WOO + "w01_order_updated_docs_723_completed_two_refunds.json"),
        custom_tracking_provider="Jadlog",
        custom_tracking_link="https://track.jadlog.example/%1$s?cep=%2$s&pais=%3$s",
    )
    shipped = woocommerce("order.updated", order).events[0]
    # Then the link is the template with the number, postcode and country substituted
    assert isinstance(shipped, OrderShipped)
    assert shipped.carrier == "Jadlog"
    assert shipped.tracking_url == "https://track.jadlog.example/LB123456789BR?cep=12345000&pais=BR"


def test_a_predefined_provider_gets_its_public_tracking_url() -> None:
    order = _with_tracking(
        body(WOO + "w01_order_updated_docs_723_completed_two_refunds.json"),
        tracking_provider="correios",
    )
    shipped = woocommerce("order.updated", order).events[0]
    assert isinstance(shipped, OrderShipped)
    assert shipped.carrier == "Correios"
    assert shipped.tracking_url == (
        "http://websro.correios.com.br/sro_bin/txect01$.QueryList"
        "?P_LINGUA=001&P_TIPO=001&P_COD_UNI=LB123456789BR"
    )


@pytest.mark.parametrize(
    ("stored", "name", "url"),
    [
        ("usps", "USPS", "https://tools.usps.com/go/TrackConfirmAction_input?qtc_tLabels1=9400"),
        ("ups", "UPS", "https://www.ups.com/track?loc=en_US&tracknum=9400"),
        (
            "fedex",
            "Fedex",
            "https://www.fedex.com/apps/fedextrack/?action=track&action=track&tracknumbers=9400",
        ),
        ("dhl-us", "DHL US", None),
        ("australia-post", "Australia Post", "https://auspost.com.au/mypost/track/#/details/9400"),
        (
            "canada-post",
            "Canada Post",
            "https://www.canadapost-postescanada.ca/track-reperage/en#/resultList?searchFor=9400",
        ),
        (
            "royal-mail",
            "Royal Mail",
            "https://www3.royalmail.com/track-your-item#/tracking-results/9400",
        ),
        ("Royal Mail", "Royal Mail", None),
        ("dpd-co-uk", "DPD.co.uk", None),
        ("ceska-posta", "Česká pošta", None),
        ("tnt-express-consignment", "TNT Express (consignment)", None),
    ],
)
def test_the_provider_table_is_the_extensions(stored: str, name: str, url: str | None) -> None:
    # A stored provider is the name or its WordPress slug (sanitize_title)
    known = predefined(stored)
    assert known is not None
    assert known[0] == name
    if url is not None:
        assert format_link(known[1], "9400", "SW1A 1AA", "GB", "723") == url


def test_a_postcode_in_a_provider_link_is_normalised_as_woocommerce_does() -> None:
    known = predefined("dpd-local")
    assert known is not None
    link = format_link(known[1], "15501234567890", "sw1a 1aa", "GB", "723")
    assert (
        link == "https://apis.track.dpdlocal.co.uk/v1/track?postcode=SW1A1AA&parcel=15501234567890"
    )
    assert wp_slug("EVRi (international)") == "evri-international"


def test_an_unknown_provider_keeps_its_name_and_no_link() -> None:
    order = _with_tracking(
        body(WOO + "w01_order_updated_docs_723_completed_two_refunds.json"),
        tracking_provider="sedex-10",
    )
    result = woocommerce("order.updated", order)
    shipped = result.events[0]
    assert isinstance(shipped, OrderShipped)
    assert (shipped.carrier, shipped.tracking_url) == ("sedex-10", None)


# ---------------------------------------------------------------------- 5. refund money
def test_a_refund_whose_transactions_name_no_currency_keeps_its_amount() -> None:
    # Given Shopify's refunds/create sample: 75.00 + 10.00 with "currency": null
    refund = body(GO + "refunds_create.json")
    assert {t["currency"] for t in refund["transactions"]} == {None}
    (event,) = shopify("refunds/create", refund).events
    # Then the currency comes from the body's *_set money
    assert isinstance(event, RefundRequested)
    assert event.amount is not None
    assert (event.amount.amount, event.amount.currency) == (Decimal("85.00"), "USD")
    assert event.presentment_amount == event.amount


def _in_euros(value: Any) -> None:
    """Every `presentment_money` of a body in EUR (the shop's money stays USD)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "presentment_money" and isinstance(item, dict):
                item["currency_code"] = "EUR"
            _in_euros(item)
    elif isinstance(value, list):
        for item in value:
            _in_euros(item)


def test_a_refund_in_the_buyers_currency_is_quoted_in_it() -> None:
    # The same sample refunded to a buyer who paid in euros at a US shop: Shopify's
    # refund transactions are in the buyer's (presentment) currency
    refund = body(GO + "refunds_create.json")
    _in_euros(refund)
    (event,) = shopify("refunds/create", refund).events
    assert isinstance(event, RefundRequested)
    assert event.presentment_amount is not None
    assert (event.presentment_amount.amount, event.presentment_amount.currency) == (
        Decimal("85.00"),
        "EUR",
    )
    assert event.amount is None  # the shop's money is not in the body


# ---------------------------------------------------------------------- 6. map what can be
def test_a_null_among_the_tracking_numbers_drops_only_that_number() -> None:
    fulfillment = body(GO + "fulfillments_create.json")
    fulfillment["tracking_numbers"] = [None, *fulfillment["tracking_numbers"]]
    result = shopify("fulfillments/create", fulfillment)
    (event,) = result.events
    assert isinstance(event, OrderShipped)
    assert event.tracking_number == "1z827wk74630"
    assert Dropped("tracking_numbers.0", "string_type") in result.dropped


def test_a_customer_without_an_id_keeps_the_orders_contacts() -> None:
    order = body(SHOPIFY + "s01_orders_create_membi_hkd_paid.json")
    order["customer"]["id"] = None
    (event,) = shopify("orders/create", order).events
    assert isinstance(event, OrderCreated)
    assert event.customer.customer_id is None
    assert (event.customer.email, event.customer.phone) == ("orders@example.hk", "+85291230001")


def test_a_line_with_quantity_zero_is_left_out_of_the_order() -> None:
    order = body(SHOPIFY + "s01_orders_create_membi_hkd_paid.json")
    order["line_items"][1]["quantity"] = 0
    result = shopify("orders/create", order)
    (event,) = result.events
    assert isinstance(event, OrderCreated)
    assert len(event.line_items) == len(order["line_items"]) - 1
    assert event.total.amount == Decimal("394.00")
    assert Dropped("line_items.1.quantity", "greater_than_equal") in result.dropped
    assert Dropped("line_items.1.quantity", "greater_than_equal").metric_field == (
        "line_items.*.quantity"
    )


def test_an_order_without_its_gmt_creation_is_dated_at_the_sites_offset() -> None:
    # Given order 723 as order.created with date_created_gmt null: the site's offset
    # (-03:00) is read from date_modified and date_modified_gmt
    order = body(WOO + "w01_order_updated_docs_723_completed_two_refunds.json")
    order["date_created_gmt"] = None
    result = woocommerce("order.created", order)
    (event,) = result.events
    assert isinstance(event, OrderCreated)
    assert event.occurred_at == datetime(2017, 3, 21, 19, 16, tzinfo=UTC)
    assert Dropped("date_created_gmt", "dated_by_site_offset") in result.dropped


def test_an_order_without_any_gmt_time_is_dated_on_arrival() -> None:
    order = body(WOO + "w05_order_created_activepieces_17_pending_cod.json")
    for name in ("date_created_gmt", "date_modified_gmt", "date_modified"):
        order[name] = None
    (event,) = woocommerce("order.created", order).events
    assert event.occurred_at == RECEIVED_AT


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda o: o.pop("id"), "id"),
        (lambda o: o.update(created_at=None), "created_at"),
        (lambda o: o.update(total_price="1e-400"), "total_price"),
    ],
)
def test_only_an_event_that_would_be_meaningless_is_refused(mutate: Any, field: str) -> None:
    order = body(SHOPIFY + "s01_orders_create_membi_hkd_paid.json")
    mutate(order)
    with pytest.raises(AdapterError) as raised:
        adapt(Platform.SHOPIFY, "orders/create", order, "acme-shop", RECEIVED_AT)
    assert raised.value.field == field


def test_an_order_with_hundreds_of_lines_fits_on_the_bus() -> None:
    # Given a real order grown to 600 lines (its lines repeated with new ids)
    order = body(SHOPIFY + "s01_orders_create_membi_hkd_paid.json")
    template = order["line_items"]
    order["line_items"] = [
        template[index % len(template)] | {"id": 10_000 + index, "title": f"Item {index}" * 20}
        for index in range(600)
    ]
    assert len(json.dumps(order)) > 256 * 1024
    result = shopify("orders/create", order)
    (event,) = result.events
    # Then the event keeps what it can carry (the most valuable lines) within EventBridge's
    # 256 KB, and says how many lines it left out
    assert isinstance(event, OrderCreated)
    assert len(event.model_dump_json().encode()) < 250 * 1024
    kept = len(event.line_items)
    assert 0 < kept <= 500
    assert sum(1 for item in result.dropped if item.reason == "over_event_size") == 600 - kept


# ---------------------------------------------------------------------- 7. times and money
def test_orders_paid_happens_when_shopify_says_not_when_the_order_was_placed() -> None:
    # Given a real orders/paid, placed 11:24:24 and paid later, delivered with the header
    order = body(SHOPIFY + "s05_orders_paid_erp_pln.json")
    placed = datetime.fromisoformat(order["created_at"])
    triggered = placed + timedelta(hours=3)
    (event,) = shopify("orders/paid", order, triggered_at=triggered).events
    assert isinstance(event, OrderPaid)
    assert event.occurred_at == triggered
    # Without the header, the last update; a successful sale's time wins over both
    (later,) = shopify("orders/paid", order).events
    assert later.occurred_at == datetime.fromisoformat(order["updated_at"])
    sale = {"kind": "sale", "status": "success", "processed_at": "2024-10-24T12:00:00+02:00"}
    (paid,) = shopify(
        "orders/paid", order | {"transactions": [sale]}, triggered_at=triggered
    ).events
    assert paid.occurred_at == datetime(2024, 10, 24, 10, 0, tzinfo=UTC)


def test_a_triggered_at_from_the_future_is_not_believed() -> None:
    order = body(SHOPIFY + "s05_orders_paid_erp_pln.json")
    (event,) = shopify("orders/paid", order, triggered_at=RECEIVED_AT + timedelta(days=1)).events
    assert event.occurred_at == datetime.fromisoformat(order["updated_at"])


def test_an_order_keeps_the_money_the_buyer_saw_beside_the_shops() -> None:
    # Given the real PLN order, as a buyer paying in euros would have seen it
    order = body(SHOPIFY + "s05_orders_paid_erp_pln.json")
    order["total_price_set"]["presentment_money"] = {"amount": "493.55", "currency_code": "EUR"}
    order["presentment_currency"] = "EUR"
    (created,) = shopify("orders/create", order).events
    (paid,) = shopify("orders/paid", order).events
    assert isinstance(created, OrderCreated)
    assert isinstance(paid, OrderPaid)
    # Then thresholds keep the shop's money and messages get the buyer's
    assert (created.total.amount, created.total.currency) == (Decimal("2119.29"), "PLN")
    assert created.presentment_total is not None
    assert (created.presentment_total.amount, created.presentment_total.currency) == (
        Decimal("493.55"),
        "EUR",
    )
    assert paid.presentment_amount == created.presentment_total


# ---------------------------------------------------------------------- topic swap
@pytest.mark.parametrize(
    ("topic", "field"),
    [
        ("orders/cancelled", "cancelled_at"),
        ("orders/fulfilled", "fulfillments"),
    ],
)
def test_a_body_reposted_under_another_topic_is_refused(topic: str, field: str) -> None:
    # Given a captured orders/create body (open, unfulfilled) re-posted under `topic`
    order = body(SHOPIFY + "s01_orders_create_membi_hkd_paid.json")
    with pytest.raises(AdapterError) as raised:
        adapt(Platform.SHOPIFY, topic, order, "acme-shop", RECEIVED_AT)
    assert raised.value.field == field


def test_an_unpaid_order_reposted_as_paid_is_refused() -> None:
    order = body(SHOPIFY + "s01_orders_create_membi_hkd_paid.json") | {
        "financial_status": "pending"
    }
    with pytest.raises(AdapterError) as raised:
        adapt(Platform.SHOPIFY, "orders/paid", order, "acme-shop", RECEIVED_AT)
    assert raised.value.field == "financial_status"


def test_an_order_reposted_as_a_customer_is_refused() -> None:
    order = body(SHOPIFY + "s01_orders_create_membi_hkd_paid.json")
    with pytest.raises(AdapterError):
        adapt(Platform.SHOPIFY, "customers/update", order, "acme-shop", RECEIVED_AT)


def test_the_bodies_that_mean_their_topic_still_map() -> None:
    fulfilled = shopify(
        "orders/fulfilled", body(SHOPIFY + "s04_orders_fulfilled_erp_pln_two_fulfillments.json")
    )
    assert [event.DETAIL_TYPE for event in fulfilled.events] == ["OrderShipped", "OrderShipped"]
    (paid,) = shopify("orders/paid", body(SHOPIFY + "s05_orders_paid_erp_pln.json")).events
    assert paid.DETAIL_TYPE == "OrderPaid"
    # Shopify's test notification is a test order: ignored before anything else
    sample = adapt(
        Platform.SHOPIFY, "orders/paid", body(GO + "orders_paid.json"), "acme-shop", RECEIVED_AT
    )
    assert isinstance(sample, Ignored) and sample.reason == "test order"
