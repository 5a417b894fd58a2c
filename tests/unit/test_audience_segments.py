"""The segment query language: validated before it runs, evaluated purely."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from courteous.audiences.models import CustomerFacts
from courteous.audiences.rfm import Partial, model_from
from courteous.audiences.segments import Context, SegmentQueryError, parse_segment
from courteous.events.models import MemberTier
from courteous.messages import Channel, MessageClass

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
EXAMPLE = (
    "rfm in (at_risk, cant_lose) and tier in (vip, top_vip) and last_order before P90D "
    "and country = CN and consent marketing/sms"
)


def customer(key: str, days_ago: int, purchases: int, **fields: object) -> CustomerFacts:
    at = NOW - timedelta(days=days_ago)
    values: dict[str, object] = {
        "shop_id": "s",
        "customer_key": key,
        "orders": purchases,
        "purchases": purchases,
        "spent": {"CNY": Decimal(100 * purchases)},
        "first_order_at": at - timedelta(days=300),
        "last_order_at": at,
        "last_purchase_at": at,
    }
    values.update(fields)
    return CustomerFacts(**values)  # type: ignore[arg-type]


# A shop where recency and frequency spread evenly, so the cells are known.
SHOP = [customer(f"C{n}", 20 * n, 1 + (n % 5)) for n in range(1, 26)]


def context() -> Context:
    partial = Partial()
    for facts in SHOP:
        partial.add(facts, NOW)
    return Context(now=NOW, model=model_from([partial], "s", "run", NOW))


def test_the_example_query_finds_exactly_the_lapsed_vip_with_sms_consent() -> None:
    segment = parse_segment(EXAMPLE)
    ctx = context()
    base = {
        "tier": MemberTier.VIP,
        "country": "CN",
        "consent": {Channel.SMS: {MessageClass.MARKETING: True}},
    }
    # lapsed (480 days) and frequent (5 purchases): can't lose them
    lapsed = customer("lapsed", 480, 5, **base)
    assert ctx.model is not None and ctx.model.scores(lapsed) is not None
    assert segment.matches(lapsed, ctx)
    assert not segment.matches(customer("recent", 5, 5, **base), ctx)
    assert not segment.matches(customer("fr", 480, 5, **{**base, "country": "FR"}), ctx)
    assert not segment.matches(
        customer("member", 480, 5, **{**base, "tier": MemberTier.MEMBER}), ctx
    )
    no_sms = {**base, "consent": {Channel.EMAIL: {MessageClass.MARKETING: True}}}
    assert not segment.matches(customer("email-only", 480, 5, **no_sms), ctx)
    said_no = {**base, "consent": {Channel.SMS: {MessageClass.MARKETING: False}}}
    assert not segment.matches(customer("said-no", 480, 5, **said_no), ctx)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("tierr = vip", "at 1: unknown field 'tierr'"),
        ("tier = gold", "at 8: tier: 'gold' is not one of non_member, member, senior, vip"),
        ("rfm in (at_risk, sleepy)", "at 18: rfm: 'sleepy' is not one of champions"),
        ("last_order before 90", "at 19: last_order: '90' is not a duration"),
        ("country = China", "at 11: country: 'China' is not an ISO 3166-1 alpha-2"),
        ("consent marketing/fax", "at 19: consent: 'fax' is not one of sms, email"),
        ("consent promos/sms", "at 9: consent: 'promos' is not one of marketing, service"),
        ("orders >= many", "at 11: orders: 'many' is not a number"),
        ("r = 6", "at 5: r: '6' is not a whole number from 1 to 5"),
        ("tier > vip", "at 6: tier does not take '>'"),
        ("tier in (vip", "the query ends early"),
        ("tier = vip or tier = member", "at 12: expected 'and', got 'or'"),
        ("", "the query is empty"),
    ],
)
def test_a_bad_query_is_refused_naming_what_is_wrong(query: str, message: str) -> None:
    with pytest.raises(SegmentQueryError) as caught:
        parse_segment(query)
    assert message in str(caught.value)


def test_durations_dates_numbers_tags_and_locales() -> None:
    ctx = Context(now=NOW, model=None)
    facts = customer(
        "c",
        40,
        3,
        tags=("VIP", "wholesale"),
        locale="fr-FR",
        region="ZJ",
        spent={"CNY": Decimal("250.50")},
    )
    for query, expected in [
        ("last_order after P6W", True),
        ("last_order before P30D", True),
        ("last_order before 2026-10-01", False),
        ("first_order before 2026-01-01", True),
        ("purchases >= 3 and spent > 250", True),
        ("spent > 251", False),
        ("tag = vip", True),
        ("tag in (retail, wholesale)", True),
        ("tag not in (vip)", False),
        ("locale = fr", True),
        ("locale in (en, zh)", False),
        ("region = zj", True),
        ("tier != vip", True),  # no tier known
        ("tier = vip", False),
    ]:
        assert parse_segment(query).matches(facts, ctx) is expected, query


def test_rfm_fields_say_they_need_the_shops_model() -> None:
    assert parse_segment("rfm = champions").needs_model
    assert parse_segment("m >= 4").needs_model
    assert not parse_segment("tier = vip and orders > 1").needs_model
