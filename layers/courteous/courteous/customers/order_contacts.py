"""Who an order is for, remembered for the webhooks that do not say.

Shopify's fulfillments/create, fulfillment_events/create and refunds/create carry the
order id but not the customer; the shipping notice and the refund acknowledgement need
the contact. The ingestion remembers the customer block of every order event that has a
contact and completes the blocks of those that have none, before publishing, so no flow
has to know which platform leaves what out.

Items live in `CustomerTable`: `pk = <shop_id>#order:<order_id>`, `sk = ORDER`, the
block as JSON, and `expires_at` (TTL) 400 days on: long enough for late refunds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from courteous.customers.store import CustomerStoreError
from courteous.events.models import CanonicalEvent, OrderCustomer, OrderEvent

ORDER_SK = "ORDER"
RETENTION = timedelta(days=400)


def order_key(shop_id: str, order_id: str) -> str:
    return f"{shop_id}#order:{order_id}"


def has_contact(customer: OrderCustomer) -> bool:
    return customer.email is not None or customer.phone is not None


def completed(known: OrderCustomer, partial: OrderCustomer) -> OrderCustomer:
    """`known` with whatever `partial` does say (e.g. a fulfillment's destination)."""
    return known.model_copy(update=partial.model_dump(exclude_none=True))


class OrderContacts:
    """Takes its boto3 DynamoDB client as an argument."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def remember(self, shop_id: str, order_id: str, customer: OrderCustomer, at: datetime) -> None:
        item = {
            "pk": {"S": order_key(shop_id, order_id)},
            "sk": {"S": ORDER_SK},
            "customer": {"S": customer.model_dump_json()},
            "expires_at": {"N": str(int((at + RETENTION).timestamp()))},
        }
        try:
            self._client.put_item(TableName=self._table, Item=item)
        except ClientError as exc:
            raise CustomerStoreError(f"put_item failed: {_code(exc)}") from exc

    def recall(self, shop_id: str, order_id: str) -> OrderCustomer | None:
        key = {"pk": {"S": order_key(shop_id, order_id)}, "sk": {"S": ORDER_SK}}
        try:
            found = self._client.get_item(TableName=self._table, Key=key).get("Item")
        except ClientError as exc:
            raise CustomerStoreError(f"get_item failed: {_code(exc)}") from exc
        if not found:
            return None
        return OrderCustomer.model_validate_json(found["customer"]["S"])

    def complete(self, events: Sequence[CanonicalEvent], at: datetime) -> list[CanonicalEvent]:
        """The events with every order's customer block as complete as we know it."""
        result: list[CanonicalEvent] = []
        for event in events:
            if isinstance(event, OrderEvent):
                if has_contact(event.customer):
                    self.remember(event.shop_id, event.order_id, event.customer, at)
                else:
                    known = self.recall(event.shop_id, event.order_id)
                    if known is not None:
                        customer = completed(known, event.customer)
                        event = event.model_copy(update={"customer": customer})
            result.append(event)
        return result


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "Unknown"))
