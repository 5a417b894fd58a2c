"""The canonical order events (schema v1): what every flow past the adapters sees.

One pydantic model per EventBridge detail-type. Nothing here knows a shop platform:
the adapters map Shopify, WooCommerce and generic JSON onto these shapes. The JSON
schema of each model is published in `courteous/events/schemas/` and a contract test
fails when a shape changes; a breaking change means a new `schema_version`.

Conventions: money is a `Decimal` amount with an ISO 4217 currency (serialised as a
string, never a float), in the shop's currency, with the buyer's (`presentment_*`)
beside it where the platform says what the buyer saw; instants are timezone-aware;
countries are ISO 3166-1 alpha-2; regions are the province/state code (e.g. "FL",
"ON", "ZJ") or name when no code is known; phone numbers are E.164.
"""

from __future__ import annotations

import calendar
import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from courteous.messages import Channel, MessageClass, Recipient
from courteous.recipients.identity import InvalidContactError, normalise_email, normalise_phone

SOURCE = "courteous.orders"
REVIEWS_SOURCE = "courteous.reviews"
SCHEMA_VERSION: Literal[1] = 1


class MemberTier(StrEnum):
    """The customer's standing with the shop; wording of service messages depends on it."""

    NON_MEMBER = "non_member"
    MEMBER = "member"
    SENIOR = "senior"
    VIP = "vip"
    TOP_VIP = "top_vip"


class ProductKind(StrEnum):
    """The role a product plays in the shop's range (drives reminder wording)."""

    TRAFFIC = "traffic"
    PROFIT = "profit"
    PROMOTION = "promotion"
    EXCLUSIVE = "exclusive"


class RefundKind(StrEnum):
    REFUND_ONLY = "refund_only"
    RETURN_AND_REFUND = "return_and_refund"


class Platform(StrEnum):
    """Where an event came from; informative only, no flow branches on it."""

    SHOPIFY = "shopify"
    WOOCOMMERCE = "woocommerce"
    GENERIC = "generic"
    JUDGEME = "judgeme"


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


_LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def _locale(value: object) -> object:
    if not isinstance(value, str):
        return value
    text = value.strip().replace("_", "-")
    parts = text.split("-")
    # "en-us" -> "en-US", "zh-hans-cn" -> "zh-Hans-CN": the usual BCP 47 casing.
    cased = [parts[0].lower()] + [
        p.upper() if len(p) == 2 else p.title() if len(p) == 4 else p for p in parts[1:]
    ]
    return "-".join(cased)


def _check_locale(value: str) -> str:
    if not _LOCALE.match(value):
        raise ValueError(f"not a BCP 47 language tag: {value!r}")
    return value


def _check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"not an IANA time zone: {value!r}") from exc
    return value


def _check_email(value: str) -> str:
    try:
        return normalise_email(value)
    except InvalidContactError as exc:
        raise ValueError(str(exc)) from exc


CountryCode = Annotated[str, BeforeValidator(_upper), Field(pattern=r"^[A-Z]{2}$")]
CurrencyCode = Annotated[str, BeforeValidator(_upper), Field(pattern=r"^[A-Z]{3}$")]
Region = Annotated[str, BeforeValidator(_strip), Field(min_length=1, max_length=64)]
Locale = Annotated[
    str, BeforeValidator(_locale), Field(max_length=35), AfterValidator(_check_locale)
]
Zone = Annotated[str, BeforeValidator(_strip), AfterValidator(_check_zone)]
Email = Annotated[str, Field(max_length=320), AfterValidator(_check_email)]
Identifier = Annotated[str, BeforeValidator(_strip), Field(min_length=1, max_length=256)]
ShopId = Annotated[
    str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
]
Text = Annotated[str, Field(max_length=2000)]
Tag = Annotated[str, BeforeValidator(_strip), Field(min_length=1, max_length=255)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Money(_Model):
    """An amount in one currency. `amount` is exact; it is a JSON string on the wire."""

    amount: Decimal = Field(ge=0, allow_inf_nan=False, max_digits=18, decimal_places=6)
    currency: CurrencyCode


class Place(_Model):
    """Where a parcel leaves from or goes to, as coarse as ETA learning needs."""

    country: CountryCode | None = None
    region: Region | None = None
    city: Annotated[str, Field(max_length=128)] | None = None
    postal_code: Annotated[str, Field(max_length=32)] | None = None


class Birthday(_Model):
    """Month and day (the year is often not given). 29 February is allowed."""

    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)
    year: int | None = Field(default=None, ge=1900, le=2100)

    @model_validator(mode="after")
    def _real_day(self) -> Birthday:
        # A leap year decides the longest a month can be; with a year, that year decides.
        longest = calendar.monthrange(self.year or 2000, self.month)[1]
        if self.day > longest:
            raise ValueError(f"day {self.day} does not exist in month {self.month}")
        return self


class OrderCustomer(_Model):
    """Who an order is for, as the order knew them. Contacts are E.164 / lower case."""

    customer_id: Identifier | None = None
    email: Email | None = None
    phone: str | None = Field(default=None, description="E.164, e.g. +14155550123")
    first_name: Annotated[str, Field(max_length=128)] | None = None
    locale: Locale | None = None
    member_tier: MemberTier | None = None
    country: CountryCode | None = Field(
        default=None, description="ISO 3166-1 alpha-2 of the shipping address"
    )
    region: Region | None = Field(
        default=None, description="province/state of the shipping address, e.g. FL"
    )

    @model_validator(mode="after")
    def _phone_is_e164(self) -> OrderCustomer:
        if self.phone is not None:
            try:
                e164 = normalise_phone(self.phone, self.country)
            except InvalidContactError as exc:
                raise ValueError(f"phone: {exc}") from exc
            object.__setattr__(self, "phone", e164)
        return self

    def recipient(self, shop_id: str) -> Recipient:
        """The outbox's view of this customer (consent comes from the profile)."""
        return Recipient(
            shop_id=shop_id,
            customer_id=self.customer_id,
            phone=self.phone,
            email=self.email,
            country=self.country,
            region=self.region,
            locale=self.locale,
        )


class CustomerProfile(OrderCustomer):
    """A customer as the shop knows them: what order webhooks do not carry.

    `consent` holds only what the shop said: a channel or class that is absent is
    unknown (the gate treats unknown as not given for service and marketing).
    `preferred_channel` is the channel the customer asked to be reached on, when they
    said (it comes first for every class, where its consent allows).
    """

    customer_id: Identifier
    last_name: Annotated[str, Field(max_length=128)] | None = None
    zone: Zone | None = Field(default=None, description="IANA time zone, e.g. Europe/Paris")
    birthday: Birthday | None = None
    consent: dict[Channel, dict[MessageClass, bool]] = Field(default_factory=dict)
    tags: list[Tag] | None = Field(
        default=None,
        max_length=250,
        description="the shop's labels for the customer (Shopify tags, WooCommerce role); "
        "absent = unknown, [] = none",
    )
    preferred_channel: Channel | None = None

    def recipient(self, shop_id: str, channel: Channel | None = None) -> Recipient:
        """The outbox recipient; consent is the given channel's (absent = unknown).

        Without a channel, a class counts as given only when every channel the shop
        spoke about gives it.
        """
        base = super().recipient(shop_id)
        if channel is not None:
            per_class = dict(self.consent.get(channel, {}))
        else:
            per_class = {}
            for classes in self.consent.values():
                for message_class, given in classes.items():
                    per_class[message_class] = per_class.get(message_class, True) and given
        return base.model_copy(
            update={
                "zone": self.zone,
                "consent": per_class,
                "channel_consent": {c: dict(k) for c, k in self.consent.items()},
                "preferred_channel": self.preferred_channel,
            }
        )


class LineItem(_Model):
    line_id: Identifier | None = None
    product_id: Identifier | None = None
    sku: Annotated[str, Field(max_length=128)] | None = None
    title: Annotated[str, Field(max_length=512)]
    quantity: int = Field(ge=1)
    unit_price: Money
    category: Annotated[str, Field(max_length=128)] | None = None
    product_kind: ProductKind | None = None


class CanonicalEvent(_Model):
    """What every canonical event carries. `event_id` is unique per shop and event."""

    DETAIL_TYPE: ClassVar[str] = ""
    SOURCE: ClassVar[str] = SOURCE

    schema_version: Literal[1] = SCHEMA_VERSION
    event_id: Identifier
    shop_id: ShopId
    occurred_at: AwareDatetime
    platform: Platform | None = None


class OrderEvent(CanonicalEvent):
    order_id: Identifier
    order_number: Annotated[str, Field(max_length=64)] | None = Field(
        default=None, description="the number the customer sees, e.g. #1001"
    )
    customer: OrderCustomer


class OrderCreated(OrderEvent):
    DETAIL_TYPE: ClassVar[str] = "OrderCreated"

    total: Money = Field(description="in the shop's currency: thresholds are in it")
    presentment_total: Money | None = Field(
        default=None, description="what the buyer saw, in their currency: messages quote it"
    )
    line_items: list[LineItem] = Field(default_factory=list, max_length=500)
    paid: bool = Field(default=False, description="already paid when it was created")
    auto_close_at: AwareDatetime | None = Field(
        default=None, description="when the shop closes the order if still unpaid"
    )

    @model_validator(mode="after")
    def _one_currency(self) -> OrderCreated:
        for index, item in enumerate(self.line_items):
            if item.unit_price.currency != self.total.currency:
                raise ValueError(
                    f"line_items.{index}.unit_price.currency {item.unit_price.currency} "
                    f"differs from total.currency {self.total.currency}"
                )
        return self


class OrderPaid(OrderEvent):
    DETAIL_TYPE: ClassVar[str] = "OrderPaid"

    amount: Money | None = None
    presentment_amount: Money | None = Field(
        default=None, description="what the buyer paid, in their currency"
    )


class OrderCancelled(OrderEvent):
    DETAIL_TYPE: ClassVar[str] = "OrderCancelled"

    reason: Text | None = None


class OrderShipped(OrderEvent):
    DETAIL_TYPE: ClassVar[str] = "OrderShipped"

    shipment_id: Identifier | None = None
    carrier: Annotated[str, Field(max_length=128)] | None = None
    tracking_number: Annotated[str, Field(max_length=128)] | None = None
    tracking_url: Annotated[str, Field(max_length=2048, pattern=r"^https?://")] | None = None
    origin: Place | None = None
    destination: Place | None = None
    shipped_at: AwareDatetime


class OrderDelivered(OrderEvent):
    DETAIL_TYPE: ClassVar[str] = "OrderDelivered"

    shipment_id: Identifier | None = None
    tracking_number: Annotated[str, Field(max_length=128)] | None = None
    delivered_at: AwareDatetime


class RefundRequested(OrderEvent):
    DETAIL_TYPE: ClassVar[str] = "RefundRequested"

    refund_id: Identifier
    amount: Money | None = Field(default=None, description="in the shop's currency")
    presentment_amount: Money | None = Field(
        default=None, description="what the buyer gets back, in their currency"
    )
    reason: Text | None = None
    kind: RefundKind = RefundKind.REFUND_ONLY


class CustomerUpdated(CanonicalEvent):
    DETAIL_TYPE: ClassVar[str] = "CustomerUpdated"

    customer: CustomerProfile


class ReviewPosted(CanonicalEvent):
    """A customer's review of a product or an order, as the shop or its review app got it.

    `order_id` is absent when the review app does not know the order (Judge.me reviews
    name the product and the reviewer, not the order). `language` is the review's own
    language when the source says it; absent, it is told from the text.
    """

    DETAIL_TYPE: ClassVar[str] = "ReviewPosted"

    review_id: Identifier
    order_id: Identifier | None = None
    order_number: Annotated[str, Field(max_length=64)] | None = None
    product_id: Identifier | None = None
    product_title: Annotated[str, Field(max_length=512)] | None = None
    customer: OrderCustomer = Field(default_factory=OrderCustomer)
    rating: int = Field(ge=1, le=5, description="stars, 1 (worst) to 5")
    title: Annotated[str, Field(max_length=500)] | None = None
    text: Annotated[str, Field(max_length=10_000)] = ""
    language: Locale | None = Field(default=None, description="BCP 47, e.g. pt-BR")
    posted_at: AwareDatetime


class Aspect(StrEnum):
    """What a complaint is about, so it reaches whoever can fix it."""

    DELIVERY = "delivery"
    PRODUCT_QUALITY = "product_quality"
    WRONG_OR_MISSING_ITEM = "wrong_or_missing_item"
    PACKAGING = "packaging"
    SERVICE = "service"
    PRICE = "price"
    OTHER = "other"


class Severity(StrEnum):
    """How urgent the help desk should treat a flagged review (`reviews.reading`)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ReviewFlagged(CanonicalEvent):
    """A complaint found in a review, stated or hidden in a positive one, for the shop's
    help desk. Published by the reviews function (source `courteous.reviews`); never
    accepted from a webhook."""

    DETAIL_TYPE: ClassVar[str] = "ReviewFlagged"
    SOURCE: ClassVar[str] = REVIEWS_SOURCE

    review_id: Identifier
    order_id: Identifier | None = None
    order_number: Annotated[str, Field(max_length=64)] | None = None
    product_id: Identifier | None = None
    aspect: Aspect
    severity: Severity
    hidden: bool = Field(description="a complaint inside a review rated 4 or 5 stars")
    rating: int = Field(ge=1, le=5)
    excerpt: Annotated[str, Field(max_length=500)] = Field(
        description="the clause that says it, as the customer wrote it"
    )
    language: Annotated[str, Field(max_length=35)]
    score: float = Field(ge=-1, le=1, description="the clause's sentiment, -1 to 1")
    posted_at: AwareDatetime


EVENT_TYPES: dict[str, type[CanonicalEvent]] = {
    model.DETAIL_TYPE: model
    for model in (
        OrderCreated,
        OrderPaid,
        OrderCancelled,
        OrderShipped,
        OrderDelivered,
        RefundRequested,
        CustomerUpdated,
        ReviewPosted,
    )
}

# Events courteous itself publishes: their schemas are published too, but no webhook
# may send them.
PUBLISHED_TYPES: dict[str, type[CanonicalEvent]] = {
    **EVENT_TYPES,
    ReviewFlagged.DETAIL_TYPE: ReviewFlagged,
}
