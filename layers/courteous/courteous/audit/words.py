"""The gate's codes in plain words for shop staff, in English and Chinese.

Codes (`defer`, `quiet_hours`, `payment_reminder`) stay in the audit trail and in every
`--json`; people read these. A code without words here (one added later) is shown with
its underscores as spaces rather than not at all.
"""

from __future__ import annotations

LANGUAGES = ("en", "zh-CN")

_ACTIONS: dict[str, tuple[str, str]] = {
    "send": ("sent", "已发送"),
    "defer": ("held for later", "推迟发送"),
    "suppress": ("not sent", "不发送"),
}

_REASONS: dict[str, tuple[str, str]] = {
    "allowed": ("allowed at that time", "当时允许发送"),
    "urgent": ("urgent, so sent even in quiet hours", "紧急消息，免打扰时段也发送"),
    "retry_of_committed_send": ("sent again after a retry", "重试时再次发送"),
    "not_yet_due": ("not due yet", "还未到发送时间"),
    "quiet_hours": (
        "it was night where the customer is; held until morning",
        "顾客所在地正处于夜间免打扰时段，推迟到早上",
    ),
    "rest_day": ("a rest day for this kind of message", "今天是这类消息的休息日"),
    "holiday": ("a public holiday where the customer is", "顾客所在地正值法定节假日"),
    "frequency_cap": (
        "the customer already had as many messages as allowed for now",
        "顾客近期收到的消息已达上限",
    ),
    "min_gap": ("too soon after the previous message", "距离上一条消息太近"),
    "opted_out": ("the customer asked not to be contacted this way", "顾客已退订这个渠道"),
    "no_consent": (
        "the customer has not agreed to this kind of message",
        "顾客没有同意接收这类消息",
    ),
    "duplicate": ("the same message was already sent", "同样的消息已经发过"),
    "expired": ("too late to be useful, so dropped", "已过时效，不再发送"),
    "never_open": ("no allowed time within a year", "一年内没有允许发送的时间"),
    "content_policy": ("the text broke a content rule", "文案违反了内容规则"),
    "undeliverable": ("this contact cannot be reached", "这个联系方式无法送达"),
    "no_contact": ("no contact for this channel", "这个渠道没有联系方式"),
    "sms_spend_limit": ("the shop's monthly text budget is used up", "本月短信预算已用完"),
}

_KINDS: dict[str, tuple[str, str]] = {
    "payment_reminder": ("payment reminder", "催付提醒"),
    "last_call": ("last call before the order closes", "关单前最后提醒"),
    "shipping_notice": ("shipping notice", "发货通知"),
    "parcel_delay": ("apology for a late parcel", "物流延误致歉"),
    "late_check": ("check for a late parcel", "物流延误检查"),
    "delivery_care": ("care after delivery", "签收关怀"),
    "refund_ack": ("refund request received", "退款受理通知"),
    "birthday_greeting": ("birthday greeting", "生日祝福"),
    "review_care": ("reply to a review", "评价关怀"),
}

_CHANNELS: dict[str, tuple[str, str]] = {
    "sms": ("text message", "短信"),
    "email": ("e-mail", "邮件"),
}

_CLASSES: dict[str, tuple[str, str]] = {
    "transactional": ("about an order", "交易通知"),
    "service": ("service", "服务消息"),
    "marketing": ("marketing", "营销消息"),
}

_ZONE_SOURCES: dict[str, tuple[str, str]] = {
    "profile": ("from the customer's profile", "来自顾客资料"),
    "phone": ("from the phone number", "根据手机号码"),
    "address": ("from the shipping address", "根据收货地址"),
    "shop": ("the shop's own zone (nothing else known)", "店铺所在时区（无其他信息）"),
}

_SOURCES: dict[str, tuple[str, str]] = {
    "timer": ("planned", "计划发送"),
    "deferred": ("held earlier", "此前推迟"),
}

_TABLES = {
    "action": _ACTIONS,
    "reason": _REASONS,
    "kind": _KINDS,
    "channel": _CHANNELS,
    "class": _CLASSES,
    "zone_source": _ZONE_SOURCES,
    "source": _SOURCES,
}


def words(table: str, code: str | None, language: str = "en") -> str:
    """`code` of `table` ("action", "reason", "kind", ...) in plain words."""
    if not code:
        return ""
    entry = _TABLES[table].get(code)
    if entry is None:
        return code.replace("_", " ")
    return entry[1] if language.startswith("zh") else entry[0]


def known(table: str) -> frozenset[str]:
    return frozenset(_TABLES[table])
