"""Turn Olist's orders into the canonical orders CSV `courteous orders import` reads.

    python scripts/olist_orders_to_csv.py OLIST_DIR > orders.csv

customer_id = customer_unique_id (Olist's customer_id is per order; the unique id is
the person), created_at = order_purchase_timestamp, paid_at = order_approved_at,
total = the items' prices and freight, currency BRL, country BR, region = the
customer's state; "canceled" and "unavailable" orders are cancelled, at their purchase
instant (the data has no cancellation time). Olist's timestamps are naive local times
in Brazil, written with the offset of Brasília (-03:00). Not part of the package.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

COLUMNS = [
    "order_id",
    "customer_id",
    "created_at",
    "total",
    "currency",
    "paid_at",
    "cancelled_at",
    "country",
    "region",
]
CANCELLED = frozenset({"canceled", "unavailable"})


def local(text: str) -> str:
    return f"{text.replace(' ', 'T')}-03:00" if text else ""


def main(folder: Path) -> int:
    def rows(name: str) -> list[dict[str, str]]:
        with (folder / name).open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    people = {r["customer_id"]: r for r in rows("olist_customers_dataset.csv")}
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for item in rows("olist_order_items_dataset.csv"):
        totals[item["order_id"]] += Decimal(item["price"]) + Decimal(item["freight_value"])
    writer = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for order in rows("olist_orders_dataset.csv"):
        person = people[order["customer_id"]]
        created = local(order["order_purchase_timestamp"])
        writer.writerow(
            {
                "order_id": order["order_id"],
                "customer_id": person["customer_unique_id"],
                "created_at": created,
                "total": str(totals.get(order["order_id"], Decimal("0.00"))),
                "currency": "BRL",
                "paid_at": local(order["order_approved_at"]),
                "cancelled_at": created if order["order_status"] in CANCELLED else "",
                "country": "BR",
                "region": person["customer_state"],
            }
        )
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python scripts/olist_orders_to_csv.py OLIST_DIR > orders.csv")
    sys.exit(main(Path(sys.argv[1])))
