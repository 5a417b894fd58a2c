"""A Shopify orders export (Admin > Orders > Export, "CSV for Excel, Numbers, or other
spreadsheet programs").

One row per line item; the order's own fields (`Financial Status`, `Total`, `Paid at`,
`Cancelled at`, the addresses...) are on its first row only, the later rows repeat
`Name`, `Email` and `Created at` with the line item's columns. Columns read:

| column | use |
|---|---|
| `Id` (else `Name`) | the order id: webhooks carry the same id, so an import and the |
| | live events of an order are one order |
| `Created at` | `2025-12-06 10:37:33 -0500` |
| `Financial Status` | `paid`, `partially_paid`, `partially_refunded`, `refunded` were |
| | paid; `pending`, `authorized`, `voided`, `expired` were not |
| `Paid at` | when paid; empty on some paid orders (draft orders), then `Created at` |
| `Total`, `Currency` | the order's amount |
| `Refunded Amount` | refunded so far |
| `Cancelled at` | when cancelled |
| `Email`, `Phone` / `Billing Phone` / `Shipping Phone` | the buyer's contacts |
| `Shipping Country`, `Shipping Province` (else billing) | the order's address |
| `Billing Name` / `Shipping Name` | first name: the first word |
| `Accepts Marketing` | `yes`/`no`: the buyer's e-mail marketing consent at the order |

The header is checked for the columns this needs; Shopify's other columns (79 in a
2025 export) are read past. Source of the header: a development store's export
(tests/fixtures/shopify/orders_export/SOURCE.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from courteous.audiences.imports.common import CellError, Cells, Imported, Row
from courteous.audiences.models import OrderFact, ProfileFact
from courteous.events.models import OrderCustomer
from courteous.messages import Channel, MessageClass

REQUIRED = ("Name", "Email", "Financial Status", "Currency", "Total", "Created at")
PAID = frozenset({"paid", "partially_paid", "partially_refunded", "refunded"})
UNPAID = frozenset({"pending", "authorized", "voided", "expired", "unpaid"})


def shopify_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S %z")


class ShopifyFormat:
    name = "shopify"

    def matches(self, header: Sequence[str]) -> bool:
        return "Name" in header and "Financial Status" in header and "Lineitem name" in header

    def check(self, header: Sequence[str]) -> None:
        from courteous.audiences.imports.common import HeaderError

        missing = [column for column in REQUIRED if column not in header]
        if missing:
            raise HeaderError(f"a Shopify orders export needs the column {missing[0]!r}")

    def order_of(self, row: Row) -> str:
        return row.get("Name")

    def read(self, rows: list[Row], shop_id: str) -> Imported:
        first = rows[0]
        cells = Cells(first)
        name = cells.required("Name")
        status = cells.required("Financial Status").lower()
        if status not in PAID | UNPAID:
            raise CellError("Financial Status", f"unknown status {status!r}")
        created_at = cells.instant("Created at", shopify_time, required=True)
        assert created_at is not None
        total = cells.money("Total", required=True)
        currency = cells.currency("Currency")
        paid_at = cells.instant("Paid at", shopify_time) if status in PAID else None
        if status in PAID and paid_at is None:
            paid_at = created_at
        cancelled_at = cells.instant("Cancelled at", shopify_time)
        refunded = cells.money("Refunded Amount")
        country = cells.country("Shipping Country", "Billing Country")
        region = cells.text("Shipping Province") or cells.text("Billing Province")
        email = cells.email("Email")
        phone = cells.phone(("Phone", "Billing Phone", "Shipping Phone"), country)
        full_name = cells.text("Billing Name") or cells.text("Shipping Name")
        customer = OrderCustomer(
            email=email,
            phone=phone,
            first_name=full_name.split()[0] if full_name else None,
            country=country,
            region=region[:64] if region else None,
        )
        if customer.email is None and customer.phone is None:
            raise CellError("Email", "the order names no e-mail address or phone")
        order = OrderFact(
            shop_id=shop_id,
            order_id=cells.text("Id") or name,
            at=created_at,
            customer=customer,
            created_at=created_at,
            total=total,
            currency=currency,
            paid_at=paid_at,
            paid_amount=total if paid_at else None,
            cancelled_at=cancelled_at,
            refunds={"export": refunded} if refunded else {},
        )
        words: list[OrderFact | ProfileFact] = [order]
        accepts = cells.text("Accepts Marketing")
        if accepts and accepts.lower() in ("yes", "no") and customer.email:
            words.append(
                ProfileFact(
                    shop_id=shop_id,
                    at=created_at,
                    customer=OrderCustomer(email=customer.email),
                    consent={Channel.EMAIL: {MessageClass.MARKETING: accepts.lower() == "yes"}},
                )
            )
        for row in rows[1:]:
            # A line-item row repeats the order's name and carries no order fields.
            if row.get("Financial Status"):
                raise CellError("Name", f"order {name} appears twice (again on line {row.line})")
        return Imported(first.line, tuple(words), tuple(cells.notes))
