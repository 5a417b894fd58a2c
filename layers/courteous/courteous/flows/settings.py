"""What each shop decides about its messages, validated, with sensible defaults.

Stored as JSON in SSM at `/courteous/shops/<shop_id>/settings` (read through Powertools
Parameters, cached for five minutes). A shop without the parameter gets the defaults
and its id as its name; a parameter that does not validate is refused (the event waits
for a retry) rather than half-applied.

`shopify_domain` and `woocommerce_site_url` say which store may post webhooks for the
shop: a platform signs with a secret that several shops may share (a Shopify app's
client secret), so the ingestion also checks `X-Shopify-Shop-Domain` /
`X-WC-Webhook-Source` against these, and refuses a platform the shop did not name.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from time import monotonic
from typing import Annotated, Any, Self
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from botocore.exceptions import ClientError
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from courteous.channels.settings import DEFAULT_CHANNELS, EmailSender, ShopChannels, SmsSender
from courteous.errors import PermanentError, RetryableError
from courteous.events.models import MemberTier, RefundKind
from courteous.messages import Channel
from courteous.rendering.context import Coupon, ShopInfo

SETTINGS_PARAMETER = "/courteous/shops/{shop_id}/settings"
CACHE_SECONDS = 300

_DEFAULT_PORTS = {"https": 443, "http": 80}


def normalise_site_url(value: str) -> str:
    """A store's site URL as `X-WC-Webhook-Source` gives it (WordPress's `home_url('/')`),
    compared without case in scheme and host, default port or trailing slash; raises
    `ValueError` for anything else than an http(s) URL of a host."""
    parts = urlsplit(value.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError("must be an http(s) URL of the store, e.g. https://shop.example/")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError("must be the store's address only, without query or credentials")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError("has an impossible port") from exc
    host = parts.hostname.lower()
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}"


Duration = Annotated[timedelta, Field(gt=timedelta(0))]


class ShopSettingsError(PermanentError):
    """The shop's settings parameter is not valid; names the field.

    `fields` holds (dotted field, message) for every problem, for a form to show each
    at its field."""

    def __init__(self, message: str, fields: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(message)
        self.fields = fields


class SettingsSourceError(RetryableError):
    pass


class ShopSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    shop_name: str = Field(min_length=1, max_length=120)
    shop_domain: str = Field(default="example.com", pattern=r"^[a-z0-9.-]+\.[a-z]{2,}$")
    shopify_domain: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$",
        description="the X-Shopify-Shop-Domain of this shop's Shopify store",
    )
    woocommerce_site_url: str | None = Field(
        default=None,
        max_length=2048,
        description="the X-WC-Webhook-Source of this shop's WooCommerce site",
    )
    zone: str = Field(
        default="UTC", description="the shop's IANA zone, when nothing tells the customer's"
    )
    support_email: str | None = None
    support_url: str | None = None
    review_url: str | None = Field(
        default=None, description="with {order_id} where the order goes, on the shop's domain"
    )
    pay_url: str | None = Field(
        default=None,
        description="where an unpaid order is paid, with {order_id}, on the shop's domain",
    )
    # payment reminders
    reminder_delay: Duration = timedelta(minutes=30)
    auto_close_after: Duration = timedelta(hours=24)
    min_amount: dict[str, Decimal] = Field(
        default_factory=lambda: {
            "CNY": Decimal("10"),
            "USD": Decimal("2"),
            "EUR": Decimal("2"),
            "GBP": Decimal("2"),
            "AUD": Decimal("3"),
        },
        description="no reminder below this amount, per currency",
    )
    last_call_tiers: frozenset[MemberTier] = frozenset({MemberTier.VIP, MemberTier.TOP_VIP})
    last_call_amount: dict[str, Decimal] = Field(
        default_factory=lambda: {
            "CNY": Decimal("1000"),
            "USD": Decimal("150"),
            "EUR": Decimal("150"),
        },
        description="orders at or above this amount also get a last call",
    )
    last_call_before_close: Duration = timedelta(hours=3)
    last_call_from: time = Field(
        default=time(9, 0), description="a last call is aimed at the buyer's daytime"
    )
    last_call_until: time = time(20, 0)
    # shipping and delivery
    default_transit: Duration = Field(
        default=timedelta(days=5), description="when there is no estimate, check after this"
    )
    late_grace: timedelta = Field(default=timedelta(hours=12), ge=timedelta(0))
    recheck_after: Duration = timedelta(days=2)
    max_apologies: int = Field(default=2, ge=1, le=2)
    care_delay: Duration = timedelta(days=1)
    care_coupon: Coupon | None = None
    # refunds
    refund_handling_days: dict[RefundKind, int] = Field(
        default_factory=lambda: {RefundKind.REFUND_ONLY: 3, RefundKind.RETURN_AND_REFUND: 7}
    )
    # birthdays
    greeting_from: time = time(10, 0)
    greeting_until: time = time(20, 0)
    birthday_coupon: Coupon | None = None
    # channels and senders (see `courteous.channels.settings`)
    channels: tuple[Channel, ...] = Field(
        default=DEFAULT_CHANNELS, description="the order tried when the customer prefers none"
    )
    email: EmailSender | None = None
    sms: SmsSender | None = None

    @field_validator("woocommerce_site_url")
    @classmethod
    def _site_url_is_a_store(cls, value: str | None) -> str | None:
        return None if value is None else normalise_site_url(value)

    @field_validator("zone")
    @classmethod
    def _zone_is_known(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _links_are_on_the_shop_domain(self) -> Self:
        # The content policy suppresses any message linking elsewhere: refuse such a
        # link here, once, rather than every message that would carry it.
        for name in ("support_url", "review_url", "pay_url"):
            url = getattr(self, name)
            if url is None:
                continue
            parts = urlsplit(url.replace("{order_id}", "1"))
            host = (parts.hostname or "").lower()
            on_shop = host == self.shop_domain or host.endswith("." + self.shop_domain)
            if parts.scheme != "https" or not on_shop:
                raise ValueError(f"{name} must be an https link on {self.shop_domain}")
        return self

    @model_validator(mode="after")
    def _greeting_window_is_a_span_of_the_day(self) -> Self:
        # A window across midnight would greet at night, which the gate would only defer.
        if self.greeting_from >= self.greeting_until:
            raise ValueError("greeting_from must be before greeting_until")
        # The run is hourly: a shorter window could fall between two runs in every zone.
        span = datetime.combine(date.min, self.greeting_until) - datetime.combine(
            date.min, self.greeting_from
        )
        if span < timedelta(hours=1):
            raise ValueError("the greeting window must be at least an hour long")
        if self.last_call_from >= self.last_call_until:
            raise ValueError("last_call_from must be before last_call_until")
        return self

    @field_validator("channels")
    @classmethod
    def _channels_are_an_order(cls, value: tuple[Channel, ...]) -> tuple[Channel, ...]:
        if not value:
            raise ValueError("at least one channel")
        if len(set(value)) != len(value):
            raise ValueError("each channel once")
        return value

    def channel_settings(self) -> ShopChannels:
        return ShopChannels(order=self.channels, email=self.email, sms=self.sms)

    def shop(self) -> ShopInfo:
        return ShopInfo(
            name=self.shop_name,
            domain=self.shop_domain,
            support_email=self.support_email,
            support_url=self.support_url,
        )

    def order_link(self, template: str | None, order_id: str) -> str | None:
        """A review or payment link for one order ({order_id} filled in, URL-quoted)."""
        if template is None:
            return None
        return template.replace("{order_id}", quote(order_id, safe=""))

    def below_minimum(self, amount: Decimal, currency: str) -> bool:
        minimum = self.min_amount.get(currency)
        return minimum is not None and amount < minimum

    def wants_last_call(self, amount: Decimal, currency: str, tier: MemberTier | None) -> bool:
        threshold = self.last_call_amount.get(currency)
        return (tier in self.last_call_tiers) or (threshold is not None and amount >= threshold)


def settings_from_json(shop_id: str, text: str | None) -> ShopSettings:
    data: dict[str, Any] = {"shop_name": shop_id}
    if text:
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ShopSettingsError(f"{shop_id} settings: not JSON: {exc}") from exc
        if not isinstance(loaded, dict):
            raise ShopSettingsError(f"{shop_id} settings: a JSON object is needed")
        data.update(loaded)
    try:
        return ShopSettings.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        fields = tuple(
            (".".join(str(part) for part in error["loc"]) or "settings", str(error["msg"]))
            for error in errors
        )
        where, message = fields[0]
        raise ShopSettingsError(f"{shop_id} settings: {where}: {message}", fields) from exc


def _not_found(exc: Exception) -> bool:
    """Powertools re-raises the SDK's error as GetParameterError; the SDK's error code
    (not the message text) says whether the parameter is simply absent."""
    cause = exc.__cause__ or exc.__context__
    return isinstance(cause, ClientError) and (
        cause.response.get("Error", {}).get("Code") == "ParameterNotFound"
    )


class ShopSettingsSource:
    """`source(shop_id)` -> that shop's settings, from SSM, cached.

    Powertools caches the parameters it found; a shop without one is remembered here for
    as long, so a shop on the defaults costs no SSM call per event either."""

    def __init__(self, ssm: Any, pattern: str = SETTINGS_PARAMETER) -> None:
        from aws_lambda_powertools.utilities.parameters import SSMProvider

        self._provider = SSMProvider(boto3_client=ssm)
        self._pattern = pattern
        self._absent_until: dict[str, float] = {}
        self._numbers: tuple[float, dict[str, tuple[str, ...]]] | None = None
        # The validated model of the text last read for each shop: the dispatcher asks
        # for every message, and validating is the cost, not the cached read.
        self._parsed: dict[str, tuple[str | None, ShopSettings]] = {}

    def __call__(self, shop_id: str) -> ShopSettings:
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

        name = self._pattern.format(shop_id=shop_id)
        if self._absent_until.get(name, 0.0) > monotonic():
            return self._validated(shop_id, None)
        try:
            text = self._provider.get(name, max_age=CACHE_SECONDS)
        except GetParameterError as exc:
            if _not_found(exc):
                self._absent_until[name] = monotonic() + CACHE_SECONDS
                return self._validated(shop_id, None)
            raise SettingsSourceError(f"cannot read {name}") from exc
        return self._validated(shop_id, str(text) if text is not None else None)

    def _validated(self, shop_id: str, text: str | None) -> ShopSettings:
        known = self._parsed.get(shop_id)
        if known is not None and known[0] == text:
            return known[1]
        settings = settings_from_json(shop_id, text)
        self._parsed[shop_id] = (text, settings)
        return settings

    def shops(self) -> list[str]:
        """Every shop with a settings parameter (the birthday run's list)."""
        prefix = self._pattern.split("{shop_id}")[0]
        suffix = self._pattern.split("{shop_id}")[1]
        names: list[str] = []
        paginator = self._provider.client.get_paginator("get_parameters_by_path")
        for page in paginator.paginate(Path=prefix.rstrip("/"), Recursive=True):
            for parameter in page.get("Parameters", []):
                name = str(parameter["Name"])
                if name.startswith(prefix) and name.endswith(suffix):
                    names.append(name[len(prefix) : len(name) - len(suffix)])
        return sorted(set(names))

    def own_sms_numbers(self) -> dict[str, tuple[str, ...]]:
        """Each number a shop's own SMS identity answers on -> the shops that use it.

        Read with the parameters' values in the same pages (one call per ten shops),
        cached as long as a shop's settings are. A shop whose settings do not validate
        claims no number, so a STOP to it holds for every shop: the safe side.
        """
        if self._numbers is not None and self._numbers[0] > monotonic():
            return self._numbers[1]
        prefix, suffix = self._pattern.split("{shop_id}")
        claimed: dict[str, set[str]] = {}
        paginator = self._provider.client.get_paginator("get_parameters_by_path")
        try:
            for page in paginator.paginate(Path=prefix.rstrip("/"), Recursive=True):
                for parameter in page.get("Parameters", []):
                    name = str(parameter["Name"])
                    if not (name.startswith(prefix) and name.endswith(suffix)):
                        continue
                    shop_id = name[len(prefix) : len(name) - len(suffix)]
                    try:
                        settings = settings_from_json(shop_id, str(parameter.get("Value", "")))
                    except ShopSettingsError:
                        continue
                    if settings.sms is not None:
                        for number in settings.sms.own_numbers:
                            claimed.setdefault(number, set()).add(shop_id)
        except ClientError as exc:
            raise SettingsSourceError("cannot list the shops' settings") from exc
        numbers = {number: tuple(sorted(shops)) for number, shops in claimed.items()}
        self._numbers = (monotonic() + CACHE_SECONDS, numbers)
        return numbers
