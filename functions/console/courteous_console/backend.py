"""The console's calls into the domain: the same stores and rules the handlers use.

Built from the function's settings and a boto3 client factory; no AWS call until a page
asks. Everything here returns plain data for the pages and the admin API alike.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from courteous.audit.report import DayReport, build_report, day_bounds
from courteous.audit.trail import AuditEntry, AuditTrail
from courteous.audit.upcoming import (
    TimerSchedules,
    Upcoming,
    UpcomingReadError,
    by_hour,
    upcoming,
)
from courteous.customers.store import CustomerStore, UnstorableCustomerIdError
from courteous.errors import ContentViolation, PermanentError
from courteous.events.models import CustomerProfile
from courteous.flows.settings import ShopSettings
from courteous.gate.ledger_state import LedgerState
from courteous.gate.policy import Policy
from courteous.gate.settings import contact_key
from courteous.gate.store import GateStore
from courteous.messages import Channel, Kind, MessageRequest, Recipient
from courteous.recipients.identity import (
    InvalidContactError,
    normalise_email,
    normalise_phone,
    recipient_key,
)
from courteous.rendering.overrides import S3Templates
from courteous.rendering.renderer import LOCALES, TemplateRenderer
from courteous.rendering.samples import FULL
from courteous.rendering.sms import sms_segments
from courteous.shops.config import Change, ShopConfig, shop_zone
from courteous_console.settings import ConsoleSettings

_CUSTOMER_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
SAMPLE_ORDER = "1001"
PREVIEW_RECIPIENTS = {
    "en": ("+12125550123", "America/New_York", "en-US"),
    "zh-CN": ("+8613800138000", "Asia/Shanghai", "zh-CN"),
    "fr": ("+33612345678", "Europe/Paris", "fr-FR"),
}


class LookupError_(PermanentError):
    """A customer query that names nobody: said in one line on the page."""


@dataclass(frozen=True)
class Contact:
    channel: Channel
    value: str
    key: str
    ledger: LedgerState


@dataclass(frozen=True)
class CustomerView:
    shop_id: str
    query: str
    found_by: str  # "phone" | "email" | "customer"
    profile: CustomerProfile | None
    contacts: list[Contact]
    decisions: list[AuditEntry]


@dataclass(frozen=True)
class Preview:
    kind: str
    channel: str
    locale: str
    subject: str | None = None
    text: str | None = None
    problem: str | None = None
    segments: int | None = None
    encoding: str | None = None


@dataclass
class Backend:
    settings: ConsoleSettings
    client: Callable[[str], Any]
    now: Callable[[], datetime]
    _zones: dict[str, tuple[ShopSettings, Policy]] = field(default_factory=dict)
    timers_unreadable: bool = False

    # ------------------------------------------------------------------ clients
    @cached_property
    def _dynamodb(self) -> Any:
        return self.client("dynamodb")

    @cached_property
    def _key(self) -> bytes:
        return contact_key(self.settings, self.client("ssm"))

    @cached_property
    def config(self) -> ShopConfig:
        s3 = self.client("s3") if self.settings.template_bucket else None
        return ShopConfig(self.client("ssm"), s3, self.settings.template_bucket)

    @cached_property
    def trail(self) -> AuditTrail:
        return AuditTrail(self._dynamodb, self.settings.gate_table_name)

    @cached_property
    def store(self) -> GateStore:
        return GateStore(self._dynamodb, self.settings.gate_table_name)

    @cached_property
    def customers(self) -> CustomerStore:
        return CustomerStore(self._dynamodb, self.settings.customer_table_name)

    @cached_property
    def renderer(self) -> TemplateRenderer:
        bucket = self.settings.template_bucket
        return TemplateRenderer(s3=S3Templates(self.client("s3"), bucket) if bucket else None)

    # ------------------------------------------------------------------ shops
    def shops(self) -> list[str]:
        return self.config.shops()

    def shop(self, shop_id: str) -> tuple[ShopSettings, Policy]:
        """The shop's settings and policy as the functions would read them."""
        return self.config.settings(shop_id), self.config.policy(
            shop_id, self.settings.default_policy
        )

    def zone(self, shop_id: str) -> str:
        return shop_zone(*self.shop(shop_id))

    # ------------------------------------------------------------------ a customer
    def lookup(self, shop_id: str, query: str, limit: int = 200) -> CustomerView:
        text = query.strip()
        if not text:
            raise LookupError_("empty")
        profile: CustomerProfile | None = None
        contacts: list[tuple[Channel, str]] = []
        if "@" in text:
            try:
                contacts.append((Channel.EMAIL, normalise_email(text)))
            except InvalidContactError as exc:
                raise LookupError_("bad_email") from exc
            found_by = "email"
        elif text.lstrip("+").replace(" ", "").replace("-", "").isdigit() and (
            text.startswith("+") or len(text.replace(" ", "")) >= 8
        ):
            try:
                contacts.append((Channel.SMS, normalise_phone(text)))
            except InvalidContactError as exc:
                raise LookupError_("bad_phone") from exc
            found_by = "phone"
        else:
            if not _CUSTOMER_ID.match(text):
                raise LookupError_("bad_customer_id")
            try:
                profile = self.customers.get(shop_id, text)
            except UnstorableCustomerIdError as exc:
                raise LookupError_("bad_customer_id") from exc
            if profile is None:
                raise LookupError_("no_customer")
            if profile.phone:
                contacts.append((Channel.SMS, normalise_phone(profile.phone)))
            if profile.email:
                contacts.append((Channel.EMAIL, normalise_email(profile.email)))
            found_by = "customer"
        found: list[Contact] = []
        decisions: list[AuditEntry] = []
        for channel, value in contacts:
            key = recipient_key(self._key, shop_id, value)
            found.append(Contact(channel, value, key, self.store.load(key)))
            decisions.extend(self.trail.of_recipient(key, limit))
        decisions.sort(key=lambda entry: (entry.decided_at, entry.request_id), reverse=True)
        return CustomerView(shop_id, text, found_by, profile, found, decisions)

    def opt_out(self, shop_id: str, query: str, channel: Channel) -> CustomerView:
        """Record the customer's wish not to be contacted on `channel` at this shop, as a
        STOP reply does: at once, for every class of message."""
        view = self.lookup(shop_id, query)
        targets = [contact for contact in view.contacts if contact.channel is channel]
        if not targets:
            raise LookupError_("no_contact_for_channel")
        for contact in targets:
            self.store.set_opt_out(contact.key, channel, True)
        return self.lookup(shop_id, query)

    # ------------------------------------------------------------------ today, a day
    def today(self, shop_id: str) -> tuple[str, datetime, list[tuple[datetime, list[Upcoming]]]]:
        zone = self.zone(shop_id)
        now = self.now()
        group = self.settings.schedule_group_name
        timers = TimerSchedules(self.client("scheduler"), group) if group else None
        try:
            items = upcoming(shop_id, now, self.trail, timers)
        except UpcomingReadError:
            # The schedules cannot be listed here: what was held still shows.
            self.timers_unreadable = True
            items = upcoming(shop_id, now, self.trail, None)
        return zone, now, by_hour(items, zone, now)

    def report(self, shop_id: str, day: date) -> DayReport:
        _, policy = self.shop(shop_id)
        zone = self.zone(shop_id)
        start, end = day_bounds(day, zone)
        return build_report(shop_id, day, zone, policy, self.trail.between(shop_id, start, end))

    def shop_today(self, shop_id: str) -> date:
        from zoneinfo import ZoneInfo

        return self.now().astimezone(ZoneInfo(self.zone(shop_id))).date()

    # ------------------------------------------------------------------ settings
    def save_settings(self, shop_id: str, data: dict[str, Any]) -> Change:
        return self.config.put_settings(shop_id, json.dumps(data))

    def save_policy(self, shop_id: str, data: dict[str, Any]) -> Change:
        return self.config.put_policy(shop_id, json.dumps(data))

    # ------------------------------------------------------------------ templates
    def previews(self, shop_id: str, locale: str) -> list[Preview]:
        """Every kind by every channel, rendered with the shop's settings and policy on
        sample order data, as a customer speaking `locale` would get it."""
        if locale not in LOCALES:
            locale = "en"
        settings, policy = self.shop(shop_id)
        phone, zone, tag = PREVIEW_RECIPIENTS[locale]
        out: list[Preview] = []
        for kind in Kind:
            data = sample_for(kind, settings)
            for channel in Channel:
                request = MessageRequest(
                    kind=kind,
                    channel=channel,
                    recipient=Recipient(
                        shop_id=shop_id,
                        phone=phone,
                        email="customer@example.com",
                        zone=zone,
                        locale=tag,
                    ),
                    data=data,
                    created_at=self.now(),
                )
                try:
                    message = self.renderer.render(request, policy)
                except ContentViolation as exc:
                    out.append(
                        Preview(
                            kind.value, channel.value, locale, problem=f"{exc.rule}: {exc.detail}"
                        )
                    )
                    continue
                except PermanentError as exc:
                    out.append(Preview(kind.value, channel.value, locale, problem=str(exc)))
                    continue
                counted = sms_segments(message.text) if channel is Channel.SMS else None
                out.append(
                    Preview(
                        kind.value,
                        channel.value,
                        locale,
                        subject=message.subject,
                        text=message.text,
                        segments=counted.segments if counted else None,
                        encoding=counted.encoding if counted else None,
                    )
                )
        return out


def sample_for(kind: Kind, settings: ShopSettings) -> dict[str, Any]:
    """The sample message data of `kind`, told by this shop: its name, domain, support
    contacts, links and coupons in place of the sample shop's."""
    data = dict(FULL[kind])
    data["shop"] = settings.shop().model_dump(mode="json", exclude_none=True)
    if kind is Kind.PAYMENT_REMINDER:
        link = settings.order_link(settings.pay_url, SAMPLE_ORDER)
        data.pop("pay_url", None)
        if link:
            data["pay_url"] = link
        data["close_at"] = (datetime.fromisoformat(data["close_at"]) + timedelta(0)).isoformat()
    if kind is Kind.DELIVERY_CARE:
        data.pop("review_url", None)
        data.pop("coupon", None)
        link = settings.order_link(settings.review_url, SAMPLE_ORDER)
        if link:
            data["review_url"] = link
        if settings.care_coupon is not None:
            data["coupon"] = settings.care_coupon.model_dump(mode="json")
    if kind is Kind.BIRTHDAY_GREETING:
        data.pop("coupon", None)
        if settings.birthday_coupon is not None:
            data["coupon"] = settings.birthday_coupon.model_dump(mode="json")
    if kind is Kind.REFUND_ACK:
        data["handling_days"] = max(settings.refund_handling_days.values(), default=3)
    return data
