"""Order exports read as words on orders: Shopify's real-shaped export, WooCommerce's
documented default formats, the canonical CSV."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest

from courteous.audiences.imports import HeaderError, Imported, RowError, read_orders
from courteous.audiences.models import OrderFact, ProfileFact
from courteous.messages import Channel, MessageClass
from tests.conftest import FIXTURES_DIR

EXPORTS = FIXTURES_DIR / "shopify" / "orders_export"


def read(path: Path, **options: str) -> list[Imported | RowError]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(read_orders(handle, "tea-shop", **options))


def orders(items: list[Imported | RowError]) -> dict[str, OrderFact]:
    found = {}
    for item in items:
        if isinstance(item, Imported):
            for word in item.words:
                if isinstance(word, OrderFact):
                    found[word.order_id] = word
    return found


def test_the_development_store_export_reads_one_order_per_name() -> None:
    # Given a real Shopify export: 51 orders on 121 rows, 34 with several line items
    items = read(EXPORTS / "devstore_orders_export_1.csv")
    # Then every order is read once, from its first row; the one that names nobody
    # (the store's first order, placed by its staff with no e-mail or phone) is refused
    assert [str(item) for item in items if isinstance(item, RowError)] == [
        "line 122: Email: the order names no e-mail address or phone"
    ]
    found = orders(items)
    assert len(found) == 50
    order = found["6798481490219"]  # #1050: four line items on lines 3-6
    assert order.total == Decimal("11594.00") and order.currency == "INR"
    assert (
        order.created_at is not None and order.created_at.isoformat() == "2025-12-06T10:37:30-05:00"
    )
    # And a paid order with no "Paid at" (a draft order) counts as paid when created
    assert order.paid_at == order.created_at
    assert order.customer.email == "buyer1@example.com"


def test_refunded_cancelled_and_multi_line_orders() -> None:
    # Given real-shaped rows: refunds, a cancellation, a note over two lines, bad rows
    items = read(EXPORTS / "refunds_and_cancellations.csv")
    found = orders(items)
    # Then a three-line order starting with a two-line note is one order from line 2
    first = next(i for i in items if isinstance(i, Imported))
    assert first.line == 2 and found["7100000000001"].total == Decimal("398.00")
    assert found["7100000000001"].customer.phone == "+8613800138000"
    assert found["7100000000001"].customer.region == "ZJ"
    # And refunds are the export's refunded amounts, cancellations its instants
    assert dict(found["7100000000002"].refunds) == {"export": Decimal("120.00")}
    assert dict(found["7100000000003"].refunds) == {"export": Decimal("100.00")}
    voided = found["7100000000004"]
    assert voided.paid_at is None and voided.cancelled_at is not None
    assert found["7100000000005"].paid_at is not None
    assert found["7100000000005"].cancelled_at is not None
    assert found["7100000000006"].paid_at is None  # pending
    # And the bad ones are reported with their line and column, the others kept
    errors = [str(i) for i in items if isinstance(i, RowError)]
    assert errors == [
        "line 12: Total: not an amount: 'abc'",
        "line 13: Email: the order names no e-mail address or phone",
    ]
    # And a phone that is not one is set aside, said, and its order kept
    (with_note,) = [i for i in items if isinstance(i, Imported) and i.notes]
    assert with_note.line == 9 and with_note.notes[0].column == "Phone"
    # And "Accepts Marketing" is the buyer's e-mail marketing consent
    consent = [
        w for i in items if isinstance(i, Imported) for w in i.words if isinstance(w, ProfileFact)
    ]
    assert consent[0].consent == {Channel.EMAIL: {MessageClass.MARKETING: True}}


WOO_HEADER = (
    "order_id,order_number,order_date,status,shipping_total,shipping_tax_total,fee_total,"
    "fee_tax_total,tax_total,discount_total,order_total,refunded_total,order_currency,"
    "payment_method,shipping_method,customer_id,billing_first_name,billing_last_name,"
    "billing_company,billing_email,billing_phone,billing_address_1,billing_address_2,"
    "billing_postcode,billing_city,billing_state,billing_country,shipping_first_name,"
    "shipping_last_name,shipping_address_1,shipping_address_2,shipping_postcode,"
    "shipping_city,shipping_state,shipping_country,shipping_company,customer_note,"
    "item_id,item_product_id,item_name,item_sku,item_price,item_quantity"
)


def woo_row(order: str, date: str, status: str, total: str, refunded: str, item: str) -> str:
    return (
        f"{order},{order},{date},{status},5.00,0.00,0.00,0.00,0.00,0.00,{total},{refunded},EUR,"
        "bacs,Flat rate,12,Marie,Curie,,marie@example.com,06 12 34 56 78,1 rue X,,75005,"
        f"Paris,,FR,Marie,Curie,1 rue X,,75005,Paris,,FR,,,{item},99,{item},SKU,10.00,1"
    )


def test_a_woocommerce_export_in_one_row_per_item_format() -> None:
    # Given the extension's "Default - One Row per Item" columns and the store's zone
    text = "\n".join(
        [
            WOO_HEADER,
            woo_row("501", "2026-03-01 10:00:00", "completed", "25.00", "0.00", "1"),
            woo_row("501", "2026-03-01 10:00:00", "completed", "25.00", "0.00", "2"),
            woo_row("502", "2026-03-02 11:00:00", "refunded", "15.00", "15.00", "3"),
            woo_row("503", "2026-03-03 12:00:00", "cancelled", "9.00", "0.00", "4"),
            woo_row("504", "2026-03-04 12:00:00", "on-hold", "9.00", "0.00", "5"),
            woo_row("505", "yesterday", "completed", "9.00", "0.00", "6"),
        ]
    )
    items = list(read_orders(io.StringIO(text), "paris-shop", zone="Europe/Paris"))
    found = orders(items)
    # Then the two item rows are one order, dated in the store's zone
    assert set(found) == {"501", "502", "503", "504"}
    first = found["501"]
    assert (
        first.created_at is not None and first.created_at.isoformat() == "2026-03-01T10:00:00+01:00"
    )
    assert first.paid_at == first.created_at and first.customer.phone == "+33612345678"
    assert first.customer.customer_id == "12"
    assert dict(found["502"].refunds) == {"export": Decimal("15.00")}
    assert found["503"].cancelled_at is not None and found["503"].paid_at is None
    assert found["504"].paid_at is None
    # And the bad date is reported on its line
    assert [str(i) for i in items if isinstance(i, RowError)] == [
        "line 7: order_date: not a date and time: 'yesterday'"
    ]


def test_the_canonical_csv_refuses_an_unknown_column() -> None:
    with pytest.raises(HeaderError, match="unknown column 'totl'"):
        list(read_orders(io.StringIO("order_id,created_at,totl,currency\n"), "s", "canonical"))


def test_the_canonical_csv_names_the_bad_cell() -> None:
    text = (
        "order_id,created_at,total,currency,email,paid_at,member_tier\n"
        "1,2026-03-01T10:00:00+08:00,10.00,CNY,a@example.com,2026-03-01T10:05:00+08:00,vip\n"
        "2,2026-03-01T10:00:00,10.00,CNY,a@example.com,,\n"
        "3,2026-03-01T10:00:00Z,10.00,CNY,a@example.com,,gold\n"
        "4,2026-03-01T10:00:00Z,10.00,CNY,,,\n"
    )
    items = list(read_orders(io.StringIO(text), "s"))
    assert orders(items)["1"].customer.member_tier == "vip"
    assert [str(i) for i in items if isinstance(i, RowError)] == [
        "line 3: created_at: not a date and time: '2026-03-01T10:00:00'",
        "line 4: member_tier: Input should be 'non_member', 'member', 'senior', 'vip' or 'top_vip'",
        "line 5: customer_id: one of customer_id, email, phone is needed",
    ]


def test_a_file_of_no_known_format_is_refused_by_its_header() -> None:
    with pytest.raises(HeaderError, match="not a Shopify orders export"):
        list(read_orders(io.StringIO("when,who,what\n1,2,3\n"), "s"))
