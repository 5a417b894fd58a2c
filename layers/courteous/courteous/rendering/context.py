"""What each kind of message needs to say: the contract between the flows and the templates.

A flow builds `MessageRequest.data` from one of these models (`model_dump(mode="json")`)
and the renderer validates it back, so a template never meets a missing value (a
request whose data does not validate is a `PermanentError` naming the field). Dates are
calendar dates in the recipient's zone, computed by the flow; money is exact.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AnyHttpUrl, AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from courteous.errors import PermanentError
from courteous.events.models import Aspect, MemberTier, Money, ProductKind, RefundKind
from courteous.messages import Kind

Short = Annotated[str, Field(min_length=1, max_length=120)]


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ShopInfo(_Data):
    """How the shop names itself and how a customer reaches it."""

    name: Short
    domain: Annotated[str, Field(pattern=r"^[a-z0-9.-]+\.[a-z]{2,}$")]
    support_email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+$")
    support_url: AnyHttpUrl | None = None


class Coupon(_Data):
    code: Annotated[str, Field(min_length=1, max_length=40)]
    value: Money | None = None
    percent_off: Annotated[int, Field(ge=1, le=100)] | None = None
    valid_until: date | None = None


class PaymentReminderData(_Data):
    shop: ShopInfo
    order_number: Short
    amount: Money
    close_at: AwareDatetime | None = Field(
        default=None, description="when the unpaid order closes (shown in the recipient's zone)"
    )
    close_local: str | None = Field(
        default=None, description="close_at as wall-clock text in the recipient's zone"
    )
    tier: MemberTier = MemberTier.NON_MEMBER
    product_kind: ProductKind | None = None
    pay_url: AnyHttpUrl | None = None
    last_call: bool = Field(default=False, description="the last reminder before closing")


class ShippingNoticeData(_Data):
    shop: ShopInfo
    order_number: Short
    carrier: Short | None = None
    tracking_number: Annotated[str, Field(max_length=128)] | None = None
    tracking_url: AnyHttpUrl | None = None
    estimated_delivery: date | None = Field(
        default=None, description="learned from the shop's deliveries; absent: no line at all"
    )
    estimate_latest: date | None = None


class ParcelDelayData(_Data):
    shop: ShopInfo
    order_number: Short
    carrier: Short | None = None
    tracking_number: Annotated[str, Field(max_length=128)] | None = None
    tracking_url: AnyHttpUrl | None = None
    apology_number: Annotated[int, Field(ge=1, le=2)] = 1
    expected_by: date | None = Field(default=None, description="the estimate it is late against")


class DeliveryCareData(_Data):
    shop: ShopInfo
    order_number: Short
    first_name: Short | None = None
    review_url: AnyHttpUrl | None = None
    coupon: Coupon | None = None


class RefundAckData(_Data):
    shop: ShopInfo
    order_number: Short
    amount: Money | None = None
    refund_kind: RefundKind = RefundKind.REFUND_ONLY
    handling_days: Annotated[int, Field(ge=1, le=60)]


class BirthdayGreetingData(_Data):
    shop: ShopInfo
    first_name: Short | None = None
    coupon: Coupon | None = None


class ReviewCareData(_Data):
    """One apology after a complaint in a review, and how to reach the shop.

    Nothing here can carry an offer (no coupon, no amount): care is never traded for a
    changed review, and the content rules refuse wording that offers one."""

    shop: ShopInfo
    order_number: Short | None = None
    first_name: Short | None = None
    aspect: Aspect | None = Field(
        default=None, description="what the complaint was about; absent: said in general"
    )


DATA_MODELS: dict[Kind, type[_Data]] = {
    Kind.PAYMENT_REMINDER: PaymentReminderData,
    Kind.SHIPPING_NOTICE: ShippingNoticeData,
    Kind.PARCEL_DELAY: ParcelDelayData,
    Kind.DELIVERY_CARE: DeliveryCareData,
    Kind.REFUND_ACK: RefundAckData,
    Kind.BIRTHDAY_GREETING: BirthdayGreetingData,
    Kind.REVIEW_CARE: ReviewCareData,
}


class InvalidMessageData(PermanentError):
    """The request's data is not what its kind's templates need; names the field."""


def message_data(kind: Kind, data: dict[str, object]) -> _Data:
    try:
        return DATA_MODELS[kind].model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InvalidMessageData(f"data.{where}: {first['msg']}") from exc


__all__ = [
    "DATA_MODELS",
    "BirthdayGreetingData",
    "Coupon",
    "DeliveryCareData",
    "InvalidMessageData",
    "ParcelDelayData",
    "PaymentReminderData",
    "RefundAckData",
    "ReviewCareData",
    "ShippingNoticeData",
    "ShopInfo",
    "message_data",
]
