"""The canonical orders CSV: one row per order, the columns below (only these; an
unknown column is refused, so a typo in a header cannot drop a column silently).

| column | required | example |
|---|---|---|
| order_id | yes | 1001 |
| created_at | yes | 2026-03-01T10:00:00+08:00 (ISO 8601 with an offset) |
| total | yes | 129.90 |
| currency | yes | CNY |
| customer_id / email / phone | one of them | c-207119551 / bob@example.com / +8613800138000 |
| paid_at | | when paid (empty: not paid) |
| paid_amount | | what was paid (default: total) |
| cancelled_at | | when cancelled |
| refunded | | refunded so far |
| first_name, locale, member_tier, country, region | | the buyer as the order knew them |
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import ValidationError

from courteous.audiences.imports.common import CellError, Cells, HeaderError, Imported, Row
from courteous.audiences.models import OrderFact
from courteous.events.envelope import first_error
from courteous.events.models import OrderCustomer

COLUMNS = (
    "order_id",
    "created_at",
    "total",
    "currency",
    "customer_id",
    "email",
    "phone",
    "paid_at",
    "paid_amount",
    "cancelled_at",
    "refunded",
    "first_name",
    "locale",
    "member_tier",
    "country",
    "region",
)
REQUIRED = ("order_id", "created_at", "total", "currency")


def iso_time(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("no offset")
    return value


class CanonicalFormat:
    name = "canonical"

    def matches(self, header: Sequence[str]) -> bool:
        return "order_id" in header and "created_at" in header and "total" in header

    def check(self, header: Sequence[str]) -> None:
        unknown = [column for column in header if column not in COLUMNS]
        if unknown:
            raise HeaderError(f"unknown column {unknown[0]!r}; columns are: {', '.join(COLUMNS)}")
        missing = [column for column in REQUIRED if column not in header]
        if missing:
            raise HeaderError(f"the {missing[0]} column is required")

    def order_of(self, row: Row) -> str:
        return f"{row.get('order_id')}#{row.line}"  # one row per order

    def read(self, rows: list[Row], shop_id: str) -> Imported:
        cells = Cells(rows[0])
        created_at = cells.instant("created_at", iso_time, required=True)
        assert created_at is not None
        paid_at = cells.instant("paid_at", iso_time)
        country = cells.country("country")
        if cells.text("country") and country is None:
            raise CellError("country", f"not an ISO 3166-1 alpha-2 code: {cells.text('country')!r}")
        try:
            customer = OrderCustomer(
                customer_id=cells.text("customer_id"),
                email=cells.text("email"),
                phone=cells.text("phone"),
                first_name=cells.text("first_name"),
                locale=cells.text("locale"),
                member_tier=(
                    tier.lower().replace("-", "_") if (tier := cells.text("member_tier")) else None
                ),
                country=country,
                region=cells.text("region"),
            )
        except ValidationError as exc:
            error = first_error(exc)
            column = error.field.split(".")[0] or error.detail.partition(":")[0]
            raise CellError(column or "row", error.detail) from exc
        if customer.email is None and customer.phone is None and customer.customer_id is None:
            raise CellError("customer_id", "one of customer_id, email, phone is needed")
        total = cells.money("total", required=True)
        refunded = cells.money("refunded")
        order = OrderFact(
            shop_id=shop_id,
            order_id=cells.required("order_id"),
            at=created_at,
            customer=customer,
            created_at=created_at,
            total=total,
            currency=cells.currency("currency"),
            paid_at=paid_at,
            paid_amount=(cells.money("paid_amount") or total) if paid_at else None,
            cancelled_at=cells.instant("cancelled_at", iso_time),
            refunds={"export": refunded} if refunded else {},
        )
        return Imported(rows[0].line, (order,), ())
