"""A WooCommerce orders export, as the "Customer / Order / Coupon Export" extension
(sold on WooCommerce.com; WooCommerce itself exports products, not orders) writes it in
its built-in "Default" and "Default - One Row per Item" formats.

No public real export file could be found, so this reader is built from the extension's
own definition of those formats: the column keys of
`includes/Export_Formats/Orders_Export_Format_Definition.php` in the public copy
lafranceinsoumise/woocommerce-customer-order-csv-export at commit
2250d7ab5e621763a556633336afa9ed35609fe8 (`get_predefined_formats`: order_id,
order_number, order_date, status, order_total, refunded_total, order_currency,
customer_id, billing_first_name, billing_email, billing_phone, billing_state,
billing_country, shipping_state, shipping_country, ... and, one row per item,
item_id, item_name, item_quantity, ...), and its export of `order_date` as
`Y-m-d H:i:s` in the store's time zone (no offset: `--zone` says which). The order's
`status` is WooCommerce's: `processing`, `completed` (and a shop's `delivered`) and
`refunded` orders were paid; `cancelled` ones were cancelled; `pending`, `on-hold` and
`failed` were not paid. The export carries no payment or cancellation instant, so both
are the order's date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from courteous.audiences.imports.common import CellError, Cells, HeaderError, Imported, Row
from courteous.audiences.models import OrderFact
from courteous.events.models import OrderCustomer

REQUIRED = ("order_id", "order_date", "status", "order_total", "order_currency")
PAID = frozenset({"processing", "completed", "delivered", "refunded"})
CANCELLED = frozenset({"cancelled"})
UNPAID = frozenset({"pending", "on-hold", "failed", "checkout-draft"}) | CANCELLED


class WooCommerceFormat:
    name = "woocommerce"

    def __init__(self, zone: str = "UTC") -> None:
        self.zone = ZoneInfo(zone)

    def matches(self, header: Sequence[str]) -> bool:
        return "order_id" in header and "order_currency" in header and "billing_email" in header

    def check(self, header: Sequence[str]) -> None:
        missing = [column for column in REQUIRED if column not in header]
        if missing:
            raise HeaderError(f"a WooCommerce orders export needs the column {missing[0]!r}")

    def order_of(self, row: Row) -> str:
        return row.get("order_id")

    def _time(self, text: str) -> datetime:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=self.zone)

    def read(self, rows: list[Row], shop_id: str) -> Imported:
        cells = Cells(rows[0])
        order_id = cells.required("order_id")
        status = cells.required("status").lower().removeprefix("wc-")
        if status not in PAID | UNPAID:
            raise CellError("status", f"unknown status {status!r}")
        created_at = cells.instant("order_date", self._time, required=True)
        assert created_at is not None
        total = cells.money("order_total", required=True)
        refunded = cells.money("refunded_total")
        country = cells.country("shipping_country", "billing_country")
        region = cells.text("shipping_state") or cells.text("billing_state")
        customer_id = cells.text("customer_id")
        customer = OrderCustomer(
            # 0 is WooCommerce's guest.
            customer_id=customer_id if customer_id and customer_id != "0" else None,
            email=cells.email("billing_email"),
            phone=cells.phone(("billing_phone",), country),
            first_name=cells.text("billing_first_name"),
            country=country,
            region=region[:64] if region else None,
        )
        if customer.email is None and customer.phone is None and customer.customer_id is None:
            raise CellError("billing_email", "the order names no e-mail, phone or customer")
        order = OrderFact(
            shop_id=shop_id,
            order_id=order_id,
            at=created_at,
            customer=customer,
            created_at=created_at,
            total=total,
            currency=cells.currency("order_currency"),
            paid_at=created_at if status in PAID else None,
            paid_amount=total if status in PAID else None,
            cancelled_at=created_at if status in CANCELLED else None,
            refunds={"export": refunded} if refunded else {},
        )
        return Imported(rows[0].line, (order,), tuple(cells.notes))
