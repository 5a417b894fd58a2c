"""What the flows remember about an order and a buyer, on the OrderTable.

- `ORDER#<shop>#<order>` / `STATE`: when it was created, paid, cancelled, shipped,
  delivered and a refund asked for, who it is for, the amount, the shipment, the
  apologies sent. Every event sets only its own fields (`if_not_exists` where the
  first word wins), so events that arrive out of order or twice land the same.
- `BUYER#<shop>#<buyer>` / `PAID`: the latest payment of the buyer in the shop, for
  "do not remind someone who has just paid another order". A payment is kept under
  the shop's customer id and under a keyed hash of each contact: no contact in clear
  in a key.
Items expire 180 days after their last event.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from courteous.errors import RetryableError
from courteous.events.models import OrderCustomer

RETENTION = timedelta(days=180)


class OrderStateError(RetryableError):
    pass


@dataclass(frozen=True)
class OrderState:
    shop_id: str
    order_id: str
    order_number: str | None = None
    created_at: datetime | None = None
    close_at: datetime | None = None
    paid_at: datetime | None = None
    cancelled_at: datetime | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    refund_requested_at: datetime | None = None
    amount: Decimal | None = None
    currency: str | None = None
    # What the buyer saw, when it was in another currency than the shop's.
    shown_amount: Decimal | None = None
    shown_currency: str | None = None
    tier: str | None = None
    product_kind: str | None = None
    customer: OrderCustomer | None = None
    shipment: dict[str, Any] | None = None
    apologies: int = 0

    @property
    def open(self) -> bool:
        return self.paid_at is None and self.cancelled_at is None


def _instant(item: dict[str, Any], name: str) -> datetime | None:
    value = item.get(name, {}).get("S")
    return datetime.fromisoformat(value) if value else None


def _epoch(instant: datetime) -> str:
    return str(int(instant.timestamp()))


def _state_of(shop_id: str, order_id: str, item: dict[str, Any]) -> OrderState:
    if not item:
        return OrderState(shop_id, order_id)
    customer = item.get("customer", {}).get("S")
    shipment = item.get("shipment", {}).get("S")
    amount = item.get("amount", {}).get("N")
    shown = item.get("shown_amount", {}).get("N")
    return OrderState(
        shop_id=shop_id,
        order_id=order_id,
        order_number=item.get("order_number", {}).get("S"),
        created_at=_instant(item, "created_at"),
        close_at=_instant(item, "close_at"),
        paid_at=_instant(item, "paid_at"),
        cancelled_at=_instant(item, "cancelled_at"),
        shipped_at=_instant(item, "shipped_at"),
        delivered_at=_instant(item, "delivered_at"),
        refund_requested_at=_instant(item, "refund_requested_at"),
        amount=Decimal(amount) if amount else None,
        currency=item.get("currency", {}).get("S"),
        shown_amount=Decimal(shown) if shown else None,
        shown_currency=item.get("shown_currency", {}).get("S"),
        tier=item.get("tier", {}).get("S"),
        product_kind=item.get("product_kind", {}).get("S"),
        customer=OrderCustomer.model_validate_json(customer) if customer else None,
        shipment=json.loads(shipment) if shipment else None,
        apologies=int(item.get("apologies", {}).get("N", "0")),
    )


class OrderStateStore:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    @staticmethod
    def _order_key(shop_id: str, order_id: str) -> dict[str, Any]:
        return {"pk": {"S": f"ORDER#{shop_id}#{order_id}"}, "sk": {"S": "STATE"}}

    def _update(
        self,
        shop_id: str,
        order_id: str,
        sets: dict[str, Any],
        *,
        first_wins: frozenset[str] = frozenset(),
        at: datetime,
    ) -> OrderState:
        values: dict[str, Any] = {":expires": {"N": _epoch(at + RETENTION)}}
        names: dict[str, str] = {"#expires": "expires_at"}
        parts = ["#expires = :expires"]
        for index, (name, value) in enumerate(sets.items()):
            if value is None:
                continue
            names[f"#a{index}"] = name
            values[f":v{index}"] = value
            if name in first_wins:
                parts.append(f"#a{index} = if_not_exists(#a{index}, :v{index})")
            else:
                parts.append(f"#a{index} = :v{index}")
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=self._order_key(shop_id, order_id),
                UpdateExpression="SET " + ", ".join(parts),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            raise OrderStateError(f"cannot update order {order_id}") from exc
        return _state_of(shop_id, order_id, response.get("Attributes") or {})

    def created(
        self,
        shop_id: str,
        order_id: str,
        *,
        order_number: str | None,
        created_at: datetime,
        close_at: datetime,
        amount: Decimal,
        currency: str,
        tier: str | None,
        product_kind: str | None,
        customer: OrderCustomer,
        shown: tuple[Decimal, str] | None = None,
    ) -> OrderState:
        """Remember the order; returns all it is known for, including a payment or a
        cancellation that arrived before its creation."""
        return self._update(
            shop_id,
            order_id,
            {
                "created_at": {"S": created_at.isoformat()},
                "close_at": {"S": close_at.isoformat()},
                "order_number": {"S": order_number} if order_number else None,
                "amount": {"N": str(amount)},
                "currency": {"S": currency},
                "shown_amount": {"N": str(shown[0])} if shown else None,
                "shown_currency": {"S": shown[1]} if shown else None,
                "tier": {"S": tier} if tier else None,
                "product_kind": {"S": product_kind} if product_kind else None,
                "customer": {"S": customer.model_dump_json()},
            },
            first_wins=frozenset({"created_at"}),
            at=created_at,
        )

    def mark(
        self,
        shop_id: str,
        order_id: str,
        field: str,
        at: datetime,
        *,
        customer: OrderCustomer | None = None,
        **extra: Any,
    ) -> None:
        """paid_at / cancelled_at / shipped_at / delivered_at: the first report wins.

        `customer` is kept only when the order has none yet (an order first seen at
        shipping time still knows whom to tell about a delay)."""
        sets: dict[str, Any] = {field: {"S": at.isoformat()}}
        if customer is not None and (customer.phone or customer.email):
            sets["customer"] = {"S": customer.model_dump_json()}
        for name, value in extra.items():
            if value is not None:
                sets[name] = {"S": value if isinstance(value, str) else json.dumps(value)}
        self._update(shop_id, order_id, sets, first_wins=frozenset({field, "customer"}), at=at)

    def load(self, shop_id: str, order_id: str) -> OrderState:
        try:
            item = self._client.get_item(
                TableName=self._table, Key=self._order_key(shop_id, order_id), ConsistentRead=True
            ).get("Item")
        except ClientError as exc:
            raise OrderStateError(f"cannot read order {order_id}") from exc
        return _state_of(shop_id, order_id, item or {})

    def next_apology(self, shop_id: str, order_id: str, limit: int, at: datetime) -> int | None:
        """Count one more apology, atomically; None when the limit is reached or the
        parcel arrived (so two checks firing together cannot both apologise twice)."""
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=self._order_key(shop_id, order_id),
                UpdateExpression="ADD apologies :one SET expires_at = :expires",
                ConditionExpression=(
                    "attribute_not_exists(delivered_at) AND "
                    "(attribute_not_exists(apologies) OR apologies < :limit)"
                ),
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":limit": {"N": str(limit)},
                    ":expires": {"N": _epoch(at + RETENTION)},
                },
                ReturnValues="UPDATED_NEW",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return None
            raise OrderStateError(f"cannot count an apology for {order_id}") from exc
        return int(response["Attributes"]["apologies"]["N"])

    # ---------------------------------------------------------------- buyers
    def buyer_paid(self, shop_id: str, buyer: str, order_id: str, at: datetime) -> None:
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": f"BUYER#{shop_id}#{buyer}"}, "sk": {"S": "PAID"}},
                UpdateExpression="SET paid_at = :at, order_id = :order, expires_at = :expires",
                ConditionExpression="attribute_not_exists(paid_at) OR paid_at < :at",
                ExpressionAttributeValues={
                    ":at": {"S": at.isoformat()},
                    ":order": {"S": order_id},
                    ":expires": {"N": _epoch(at + RETENTION)},
                },
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise OrderStateError("cannot record the buyer's payment") from exc

    def buyer_last_paid(self, shop_id: str, buyer: str) -> tuple[datetime, str] | None:
        try:
            item = self._client.get_item(
                TableName=self._table,
                Key={"pk": {"S": f"BUYER#{shop_id}#{buyer}"}, "sk": {"S": "PAID"}},
                ConsistentRead=True,
            ).get("Item")
        except ClientError as exc:
            raise OrderStateError("cannot read the buyer's payments") from exc
        if not item:
            return None
        return datetime.fromisoformat(item["paid_at"]["S"]), item["order_id"]["S"]
