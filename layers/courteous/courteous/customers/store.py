"""Customer profiles on DynamoDB (`CustomerTable`): what order webhooks do not carry.

Item layout: `pk = <shop_id>#<customer_id>`, `sk = PROFILE`; the profile as JSON in
`profile`; `event_at_us` (the occurrence time of the newest update merged in, in
microseconds) and `version` for optimistic writes. Profiles with a birthday carry
`birthday_key = <shop_id>#<MM-DD>`, the partition key of the sparse `ByBirthday` index,
so "whose birthday is today, in this shop" is one Query.

Keys never hold a contact: a customer id that is an e-mail address or an E.164 number
is refused (shops that key customers by contact must map them to an id first).

Updates merge: a field the update does not carry keeps its stored value (a Shopify
customer update has no birthday; the CSV import gave one). Consent merges per channel
and class. An update older than what is stored only fills fields still empty, so a
late retry cannot undo a newer word.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from courteous.errors import PermanentError, RetryableError
from courteous.events.models import CustomerProfile, CustomerUpdated

PROFILE_SK = "PROFILE"
BIRTHDAY_INDEX = "ByBirthday"
_MAX_ATTEMPTS = 5


class CustomerStoreError(RetryableError):
    """DynamoDB did not answer as expected; the work may be retried."""


class UnstorableCustomerIdError(PermanentError):
    def __init__(self, detail: str) -> None:
        super().__init__(f"customer_id: {detail}")
        self.detail = detail


@dataclass(frozen=True)
class StoredProfile:
    shop_id: str
    profile: CustomerProfile
    event_at: datetime | None
    version: int


def profile_key(shop_id: str, customer_id: str) -> str:
    if "@" in customer_id or customer_id.startswith("+"):
        raise UnstorableCustomerIdError("looks like a contact; keys never hold contacts")
    return f"{shop_id}#{customer_id}"


def birthday_key(shop_id: str, month: int, day: int) -> str:
    return f"{shop_id}#{month:02d}-{day:02d}"


def birthday_dates(on: date) -> list[tuple[int, int]]:
    """The (month, day) birthdays celebrated on `on`: 29 February counts on the 28th
    in years without one."""
    days = [(on.month, on.day)]
    if (on.month, on.day) == (2, 28) and (on + timedelta(days=1)).month == 3:
        days.append((2, 29))
    return days


def _micros(instant: datetime) -> int:
    return int(instant.timestamp() * 1_000_000)


def merge(
    stored: CustomerProfile, update: CustomerProfile, *, update_is_newer: bool
) -> CustomerProfile:
    """`update` over `stored`: newer values win, missing values keep what was known."""
    old = stored.model_dump(exclude={"consent"})
    new = update.model_dump(exclude={"consent"}, exclude_none=True)
    if update_is_newer:
        merged = old | new
    else:
        merged = new | {key: value for key, value in old.items() if value is not None}
    consent = {channel: dict(classes) for channel, classes in stored.consent.items()}
    for channel, classes in update.consent.items():
        for message_class, given in classes.items():
            known = consent.setdefault(channel, {})
            if update_is_newer or message_class not in known:
                known[message_class] = given
    merged["consent"] = consent
    return CustomerProfile.model_validate(merged)


class CustomerStore:
    """Profiles of customers per shop. Takes its boto3 DynamoDB client as an argument."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def get(self, shop_id: str, customer_id: str) -> CustomerProfile | None:
        stored = self._get(shop_id, customer_id)
        return stored.profile if stored else None

    def put(self, shop_id: str, profile: CustomerProfile, event_at: datetime) -> CustomerProfile:
        """Merges `profile` (as known at `event_at`) into the stored one; returns the result."""
        for _ in range(_MAX_ATTEMPTS):
            stored = self._get(shop_id, profile.customer_id)
            if stored is None:
                merged, version = profile, 0
                newest = event_at
            else:
                newer = stored.event_at is None or event_at >= stored.event_at
                merged = merge(stored.profile, profile, update_is_newer=newer)
                version = stored.version
                newest = event_at if newer or stored.event_at is None else stored.event_at
            if self._write(shop_id, merged, newest, expected_version=version):
                return merged
        raise CustomerStoreError("profile kept changing under concurrent updates")

    def apply(self, event: CustomerUpdated) -> CustomerProfile:
        """Merges a `CustomerUpdated` event into the shop's profile of that customer."""
        return self.put(event.shop_id, event.customer, event.occurred_at)

    def born_on(self, shop_id: str, month: int, day: int) -> Iterator[CustomerProfile]:
        """Every profile of the shop whose birthday is `month`-`day`."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": BIRTHDAY_INDEX,
            "KeyConditionExpression": "birthday_key = :b",
            "ExpressionAttributeValues": {":b": {"S": birthday_key(shop_id, month, day)}},
        }
        while True:
            try:
                page = self._client.query(**request)
            except ClientError as exc:
                raise CustomerStoreError(f"query {BIRTHDAY_INDEX} failed: {_code(exc)}") from exc
            for item in page.get("Items", []):
                yield CustomerProfile.model_validate_json(item["profile"]["S"])
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # ------------------------------------------------------------------ internals

    def _get(self, shop_id: str, customer_id: str) -> StoredProfile | None:
        key = {"pk": {"S": profile_key(shop_id, customer_id)}, "sk": {"S": PROFILE_SK}}
        try:
            item = self._client.get_item(TableName=self._table, Key=key, ConsistentRead=True)
        except ClientError as exc:
            raise CustomerStoreError(f"get_item failed: {_code(exc)}") from exc
        found = item.get("Item")
        if not found:
            return None
        event_at_us = found.get("event_at_us", {}).get("N")
        return StoredProfile(
            shop_id=shop_id,
            profile=CustomerProfile.model_validate_json(found["profile"]["S"]),
            event_at=(
                datetime.fromtimestamp(int(event_at_us) / 1_000_000, UTC) if event_at_us else None
            ),
            version=int(found["version"]["N"]),
        )

    def _write(
        self, shop_id: str, profile: CustomerProfile, event_at: datetime, *, expected_version: int
    ) -> bool:
        item: dict[str, Any] = {
            "pk": {"S": profile_key(shop_id, profile.customer_id)},
            "sk": {"S": PROFILE_SK},
            "shop_id": {"S": shop_id},
            "profile": {"S": profile.model_dump_json()},
            "event_at_us": {"N": str(_micros(event_at))},
            "version": {"N": str(expected_version + 1)},
        }
        if profile.birthday is not None:
            item["birthday_key"] = {
                "S": birthday_key(shop_id, profile.birthday.month, profile.birthday.day)
            }
        if expected_version == 0:
            condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        else:
            condition = {
                "ConditionExpression": "version = :v",
                "ExpressionAttributeValues": {":v": {"N": str(expected_version)}},
            }
        try:
            self._client.put_item(TableName=self._table, Item=item, **condition)
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                return False
            raise CustomerStoreError(f"put_item failed: {_code(exc)}") from exc
        return True


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "Unknown"))
