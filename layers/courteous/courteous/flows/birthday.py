"""The hourly birthday run: greet each customer once, on their birthday, in their zone.

At each run (any instant `now`) the local date differs by zone, so the run looks at the
birthdays of yesterday, today and tomorrow in UTC, and greets a customer when it is
their birthday where they are (29 February is celebrated on 28 February in other
years) and their local time is inside the shop's greeting window. The first run inside
the window enqueues the greeting; a marker per customer and year keeps later runs
from asking again. It expires at the end of the local birthday, so a greeting held
back by quiet hours or caps is never sent the day after.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from botocore.exceptions import ClientError

from courteous.customers.store import CustomerStore, birthday_dates
from courteous.events.models import CustomerProfile
from courteous.flows.orders import FlowResult, recipient_for
from courteous.flows.outbox import Outbox, request_id
from courteous.flows.settings import ShopSettings
from courteous.flows.state import RETENTION, OrderStateError
from courteous.messages import Kind, MessageRequest
from courteous.observability import logger, metrics
from courteous.recipients.zones import resolve_zones
from courteous.rendering.context import BirthdayGreetingData


class GreetingMarks:
    """One mark per shop, customer and year: the greeting was asked for."""

    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def first(self, shop_id: str, customer_id: str, year: int, at: datetime) -> bool:
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    "pk": {"S": f"GREETED#{shop_id}#{customer_id}"},
                    "sk": {"S": str(year)},
                    "at": {"S": at.isoformat()},
                    "expires_at": {"N": str(int((at + RETENTION * 3).timestamp()))},
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise OrderStateError("cannot mark the greeting") from exc
        return True


def celebrates_today(profile: CustomerProfile, local: datetime) -> bool:
    birthday = profile.birthday
    return birthday is not None and (birthday.month, birthday.day) in birthday_dates(local.date())


class BirthdayRun:
    def __init__(
        self,
        shops: Callable[[], list[str]],
        settings_for: Callable[[str], ShopSettings],
        profiles: CustomerStore,
        marks: GreetingMarks,
        outbox: Outbox,
    ) -> None:
        self._shops = shops
        self._settings_for = settings_for
        self._profiles = profiles
        self._marks = marks
        self._outbox = outbox

    def run(self, now: datetime) -> FlowResult:
        result = FlowResult()
        for shop_id in self._shops():
            result.requests.extend(self._shop(shop_id, now))
        if result.requests:
            self._outbox.put(result.requests)
        metrics.add_metric(name="BirthdayGreetings", unit="Count", value=len(result.requests))
        logger.info("birthday run", extra={"greetings": len(result.requests)})
        return result

    def _shop(self, shop_id: str, now: datetime) -> list[MessageRequest]:
        settings = self._settings_for(shop_id)
        requests = []
        seen: set[str] = set()
        for offset in (-1, 0, 1):
            for month, day in birthday_dates((now + timedelta(days=offset)).date()):
                for profile in self._profiles.born_on(shop_id, month, day):
                    if profile.customer_id in seen:
                        continue
                    seen.add(profile.customer_id)
                    request = self._greeting(shop_id, settings, profile, now)
                    if request is not None:
                        requests.append(request)
        return requests

    def _greeting(
        self, shop_id: str, settings: ShopSettings, profile: CustomerProfile, now: datetime
    ) -> MessageRequest | None:
        recipient = recipient_for(shop_id, profile, None)
        if recipient is None:
            return None
        zone = ZoneInfo(resolve_zones(recipient, settings.zone).zones[0])
        local = now.astimezone(zone)
        if not celebrates_today(profile, local):
            return None
        if not settings.greeting_from <= local.time() < settings.greeting_until:
            return None
        if not self._marks.first(shop_id, profile.customer_id, local.year, now):
            return None
        end_of_day = datetime.combine(local.date() + timedelta(days=1), time(0), zone)
        data = BirthdayGreetingData(
            shop=settings.shop(), first_name=profile.first_name, coupon=settings.birthday_coupon
        )
        return MessageRequest(
            request_id=request_id(
                "birthday_greeting", shop_id, profile.customer_id, str(local.year)
            ),
            kind=Kind.BIRTHDAY_GREETING,
            recipient=recipient,
            data=data.model_dump(mode="json"),
            created_at=now,
            expires_at=end_of_day,
            dedupe_key=f"birthday_greeting#{profile.customer_id}#{local.year}",
        )
