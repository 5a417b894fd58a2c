"""What was read in each review, per shop and week, on the ReviewTable.

- `WEEK#<shop>#<ISO week>` / `R#<review id>`: one item per review read (rating,
  language, score), so the report knows how many reviews a week had.
- `WEEK#<shop>#<ISO week>` / `F#<review id>#<aspect>`: one item per complaint, with its
  severity, the clause that says it, and `published` once its `ReviewFlagged` event is
  on the bus. A redelivered or edited review updates the item and publishes nothing
  new; a flag written but not yet published (the function died in between) is
  published on the retry.
- `CARE#<shop>#<order or review id>` / `CARE`: the one care message asked for.

Keys hold ids only, never a contact. Items expire after `RETENTION`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from courteous.errors import RetryableError
from courteous.events.models import Aspect, ReviewPosted, Severity
from courteous.reviews.reading import Complaint, Reading

RETENTION = timedelta(days=400)


class ReviewStoreError(RetryableError):
    pass


def iso_week(instant: datetime) -> str:
    """`2026-W48`: the ISO week of the instant in its own offset."""
    year, week, _ = instant.isocalendar()
    return f"{year}-W{week:02d}"


def week_key(shop_id: str, week: str) -> str:
    return f"WEEK#{shop_id}#{week}"


@dataclass(frozen=True)
class StoredFlag:
    review_id: str
    order_id: str | None
    aspect: Aspect
    severity: Severity
    hidden: bool
    rating: int
    excerpt: str
    posted_at: datetime


@dataclass(frozen=True)
class WeekItems:
    week: str
    reviews: int
    flags: list[StoredFlag]


def _code(exc: ClientError | BotoCoreError) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "Unknown"))
    return type(exc).__name__


class ReviewStore:
    """Takes its boto3 DynamoDB client as an argument."""

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def _update(self, key: dict[str, Any], sets: dict[str, Any], **extra: Any) -> dict[str, Any]:
        names = {f"#a{i}": name for i, name in enumerate(sets)}
        values = {f":v{i}": value for i, value in enumerate(sets.values())}
        expression = "SET " + ", ".join(f"#a{i} = :v{i}" for i in range(len(sets)))
        try:
            response: dict[str, Any] = self._client.update_item(
                TableName=self._table,
                Key=key,
                UpdateExpression=expression,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                **extra,
            )
        except (ClientError, BotoCoreError) as exc:
            raise ReviewStoreError(f"update_item failed: {_code(exc)}") from exc
        return response

    def record(self, event: ReviewPosted, reading: Reading, at: datetime) -> None:
        key = {
            "pk": {"S": week_key(event.shop_id, iso_week(event.posted_at))},
            "sk": {"S": f"R#{event.review_id}"},
        }
        self._update(
            key,
            {
                "rating": {"N": str(event.rating)},
                "language": {"S": reading.language},
                "score": {"N": f"{reading.score:.4f}"},
                "expires_at": {"N": str(int((at + RETENTION).timestamp()))},
            },
        )

    def flag(self, event: ReviewPosted, complaint: Complaint, at: datetime) -> bool:
        """Write the complaint; True when its ReviewFlagged event is still to be published."""
        key = self._flag_key(event, complaint.aspect)
        sets: dict[str, Any] = {
            "review_id": {"S": event.review_id},
            "aspect": {"S": complaint.aspect.value},
            "severity": {"S": complaint.severity.value},
            "hidden": {"BOOL": complaint.hidden},
            "rating": {"N": str(event.rating)},
            "excerpt": {"S": complaint.excerpt or "-"},
            "posted_at": {"S": event.posted_at.isoformat()},
            "expires_at": {"N": str(int((at + RETENTION).timestamp()))},
        }
        if event.order_id:
            sets["order_id"] = {"S": event.order_id}
        old = self._update(key, sets, ReturnValues="ALL_OLD").get("Attributes", {})
        return not old.get("published", {}).get("BOOL", False)

    def published(self, event: ReviewPosted, aspect: Aspect) -> None:
        self._update(self._flag_key(event, aspect), {"published": {"BOOL": True}})

    @staticmethod
    def _flag_key(event: ReviewPosted, aspect: Aspect) -> dict[str, Any]:
        return {
            "pk": {"S": week_key(event.shop_id, iso_week(event.posted_at))},
            "sk": {"S": f"F#{event.review_id}#{aspect.value}"},
        }

    def care_asked(self, shop_id: str, key: str, request_id: str, at: datetime) -> bool:
        """Mark the care message for `key` as asked for; False when it already was."""
        item_key = {"pk": {"S": f"CARE#{shop_id}#{key}"}, "sk": {"S": "CARE"}}
        old = self._update(
            item_key,
            {
                "request_id": {"S": request_id},
                "expires_at": {"N": str(int((at + RETENTION).timestamp()))},
            },
            ReturnValues="ALL_OLD",
        ).get("Attributes", {})
        return "request_id" not in old

    def care_was_asked(self, shop_id: str, key: str) -> bool:
        item_key = {"pk": {"S": f"CARE#{shop_id}#{key}"}, "sk": {"S": "CARE"}}
        try:
            item = self._client.get_item(TableName=self._table, Key=item_key).get("Item")
        except (ClientError, BotoCoreError) as exc:
            raise ReviewStoreError(f"get_item failed: {_code(exc)}") from exc
        return bool(item)

    def week(self, shop_id: str, week: str) -> WeekItems:
        reviews, flags = 0, []
        for item in self._query(week_key(shop_id, week)):
            sk = item["sk"]["S"]
            if sk.startswith("R#"):
                reviews += 1
            elif sk.startswith("F#"):
                flags.append(
                    StoredFlag(
                        review_id=item["review_id"]["S"],
                        order_id=item.get("order_id", {}).get("S"),
                        aspect=Aspect(item["aspect"]["S"]),
                        severity=Severity(item["severity"]["S"]),
                        hidden=item["hidden"]["BOOL"],
                        rating=int(item["rating"]["N"]),
                        excerpt=item["excerpt"]["S"],
                        posted_at=datetime.fromisoformat(item["posted_at"]["S"]),
                    )
                )
        return WeekItems(week, reviews, flags)

    def _query(self, pk: str) -> Iterator[dict[str, Any]]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": pk}},
        }
        while True:
            try:
                page = self._client.query(**request)
            except (ClientError, BotoCoreError) as exc:
                raise ReviewStoreError(f"query failed: {_code(exc)}") from exc
            yield from page.get("Items", [])
            last = page.get("LastEvaluatedKey")
            if not last:
                return
            request["ExclusiveStartKey"] = last
