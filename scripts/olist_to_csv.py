"""Turn the Olist sample into the CSV `courteous eta evaluate --history` reads.

    python scripts/olist_to_csv.py OLIST_DIR > history.csv

shipped_at = order_delivered_carrier_date (the hand-over to the carrier), delivered_at =
order_delivered_customer_date, origin = the seller's state, destination = BR-<customer
state>, postcode = the customer's postcode prefix (the first five digits of the CEP),
promised_at = order_estimated_delivery_date (Olist's own promise, made at purchase),
ordered_at = order_purchase_timestamp (not read by the evaluation; for analysis).
Olist's timestamps are naive local times in Brazil; they are written with the offset of
Brasília (-03:00). Rows are written as found, including the bad ones: the evaluation
skips and counts those itself. Not part of the package.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

COLUMNS = [
    "shipped_at",
    "delivered_at",
    "origin",
    "destination",
    "carrier",
    "postcode",
    "promised_at",
    "ordered_at",
]


def local(text: str) -> str:
    return f"{text.replace(' ', 'T')}-03:00" if text else ""


def main(folder: Path) -> int:
    def rows(name: str) -> list[dict[str, str]]:
        with (folder / name).open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    customers = {r["customer_id"]: r for r in rows("olist_customers_dataset.csv")}
    sellers = {r["seller_id"]: r["seller_state"] for r in rows("olist_sellers_dataset.csv")}
    seller_of: dict[str, str] = {}
    for item in rows("olist_order_items_dataset.csv"):
        seller_of.setdefault(item["order_id"], item["seller_id"])
    writer = csv.DictWriter(sys.stdout, fieldnames=COLUMNS)
    writer.writeheader()
    for order in rows("olist_orders_dataset.csv"):
        if order["order_status"] != "delivered":
            continue
        customer = customers.get(order["customer_id"], {})
        state = customer.get("customer_state", "")
        writer.writerow(
            {
                "shipped_at": local(order["order_delivered_carrier_date"]),
                "delivered_at": local(order["order_delivered_customer_date"]),
                "origin": sellers.get(seller_of.get(order["order_id"], ""), ""),
                "destination": f"BR-{state}" if state else "",
                "carrier": "",
                "postcode": customer.get("customer_zip_code_prefix", ""),
                "promised_at": local(order["order_estimated_delivery_date"]),
                "ordered_at": local(order["order_purchase_timestamp"]),
            }
        )
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python scripts/olist_to_csv.py OLIST_DIR > history.csv")
    sys.exit(main(Path(sys.argv[1])))
