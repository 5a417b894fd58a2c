"""The flows' pure rules: shop settings, timer names, birthdays, the outbox's batches.

No network: the SSM and SQS clients are small fakes that record what they were asked.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from courteous.events.models import Birthday, CustomerProfile, MemberTier
from courteous.flows.birthday import celebrates_today
from courteous.flows.outbox import Outbox, OutboxError, request_id
from courteous.flows.settings import (
    SettingsSourceError,
    ShopSettings,
    ShopSettingsError,
    ShopSettingsSource,
    settings_from_json,
)
from courteous.flows.timers import Timer, timer_name
from courteous.messages import MessageRequest
from tests.conftest import load_event

SHOP = "acme-shop"


# ---------------------------------------------------------------------- settings
def test_a_shop_without_settings_gets_the_defaults_under_its_own_name() -> None:
    # When a shop has no settings parameter
    settings = settings_from_json(SHOP, None)
    # Then it is named by its id and reminds 30 minutes after an order closing in 24 h
    assert settings.shop_name == SHOP
    assert settings.reminder_delay == timedelta(minutes=30)
    assert settings.auto_close_after == timedelta(hours=24)
    assert settings.care_delay == timedelta(days=1)
    assert settings.max_apologies == 2


def test_settings_are_read_as_json_with_durations_in_iso_8601() -> None:
    settings = settings_from_json(
        SHOP,
        '{"shop_name": "Lotus Tea", "reminder_delay": "PT1H", "min_amount": {"CNY": "20"},'
        ' "refund_handling_days": {"refund_only": 1, "return_and_refund": 10}}',
    )
    assert settings.reminder_delay == timedelta(hours=1)
    assert settings.min_amount == {"CNY": Decimal("20")}
    assert [settings.refund_handling_days[k] for k in sorted(settings.refund_handling_days)] == [
        1,
        10,
    ]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ('{"reminder_delay": "PT0S"}', "reminder_delay"),
        ('{"max_apologies": 3}', "max_apologies"),
        ('{"greeting_from": "21:00", "greeting_until": "09:00"}', "greeting_from"),
        ('{"remind_everyone": true}', "remind_everyone"),
        ('{"zone": "Mars/Olympus_Mons"}', "zone"),
        ('{"greeting_from": "10:15", "greeting_until": "10:45"}', "at least an hour"),
        ('{"last_call_from": "21:00", "last_call_until": "08:00"}', "last_call_from"),
        ('{"shop_domain": "https://acme.example.com/"}', "shop_domain"),
        ("[1, 2]", "JSON object"),
        ("{not json", "not JSON"),
    ],
)
def test_settings_that_do_not_validate_are_refused_and_say_where(text: str, names: str) -> None:
    with pytest.raises(ShopSettingsError, match=names):
        settings_from_json(SHOP, text)


@pytest.mark.parametrize(
    "link",
    [
        '{"review_url": "https://reviews.elsewhere.example/{order_id}"}',
        '{"pay_url": "http://acme.example.com/pay/{order_id}"}',
        '{"support_url": "https://acme.example.com.evil.example/help"}',
    ],
)
def test_a_link_off_the_shops_domain_is_refused_at_load(link: str) -> None:
    # Given links the content policy would suppress in every message that carried them
    data = json.loads(link) | {"shop_domain": "acme.example.com"}
    # Then the settings are refused, naming the link
    with pytest.raises(ShopSettingsError, match=r"must be an https link on acme\.example\.com"):
        settings_from_json(SHOP, json.dumps(data))


def test_an_order_link_fills_in_the_order_quoted() -> None:
    settings = settings_from_json(
        SHOP,
        '{"shop_domain": "acme.example.com",'
        ' "pay_url": "https://pay.acme.example.com/o/{order_id}"}',
    )
    assert (
        settings.order_link(settings.pay_url, "A 1/2") == "https://pay.acme.example.com/o/A%201%2F2"
    )
    assert settings.order_link(None, "1") is None


@pytest.mark.parametrize(
    ("amount", "currency", "below"),
    [("9.99", "CNY", True), ("10", "CNY", False), ("1.99", "USD", True), ("0.5", "JPY", False)],
)
def test_the_minimum_for_a_reminder_is_per_currency(
    amount: str, currency: str, below: bool
) -> None:
    # Given the default minimums (none for yen)
    settings = settings_from_json(SHOP, None)
    # Then an order is below it only in a currency that has one
    assert settings.below_minimum(Decimal(amount), currency) is below


@pytest.mark.parametrize(
    ("amount", "tier", "wanted"),
    [
        ("20", MemberTier.VIP, True),
        ("20", MemberTier.TOP_VIP, True),
        ("20", MemberTier.MEMBER, False),
        ("20", None, False),
        ("150", None, True),
    ],
)
def test_a_last_call_is_for_top_tiers_and_large_orders(
    amount: str, tier: MemberTier | None, wanted: bool
) -> None:
    settings = settings_from_json(SHOP, None)
    assert settings.wants_last_call(Decimal(amount), "USD", tier) is wanted


class FakeSsm:
    """get_parameter from a dict; counts the calls; a missing name is ParameterNotFound."""

    def __init__(self, parameters: dict[str, str], error: str = "ParameterNotFound") -> None:
        self.parameters = parameters
        self.error = error
        self.calls = 0

    def get_parameter(self, Name: str, **_: Any) -> dict[str, Any]:
        self.calls += 1
        if Name not in self.parameters:
            raise ClientError({"Error": {"Code": self.error, "Message": Name}}, "GetParameter")
        return {"Parameter": {"Name": Name, "Value": self.parameters[Name]}}


def test_a_shop_on_the_defaults_is_not_looked_up_again_for_every_event() -> None:
    # Given SSM has no parameter for the shop
    ssm = FakeSsm({})
    source = ShopSettingsSource(ssm)
    # When its settings are asked for three times
    names = {source(SHOP).shop_name for _ in range(3)}
    # Then the defaults are used and SSM was asked once
    assert names == {SHOP}
    assert ssm.calls == 1


def test_a_stored_settings_parameter_is_read_and_cached() -> None:
    ssm = FakeSsm({f"/courteous/shops/{SHOP}/settings": '{"shop_name": "Acme"}'})
    source = ShopSettingsSource(ssm)
    assert [source(SHOP).shop_name, source(SHOP).shop_name] == ["Acme", "Acme"]
    assert ssm.calls == 1


def test_ssm_refusing_is_a_retry_not_the_defaults() -> None:
    # Given SSM throttles the read
    source = ShopSettingsSource(FakeSsm({}, error="ThrottlingException"))
    # Then the event is retried rather than handled on settings the shop may not have
    with pytest.raises(SettingsSourceError):
        source(SHOP)


def test_a_shop_names_itself_and_its_domain_in_messages() -> None:
    settings = ShopSettings(
        shop_name="Acme", shop_domain="acme.example.com", support_email="help@acme.example.com"
    )
    shop = settings.shop()
    assert (shop.name, shop.domain, shop.support_email) == (
        "Acme",
        "acme.example.com",
        "help@acme.example.com",
    )
    assert settings.greeting_from == time(10, 0)


# ---------------------------------------------------------------------- timers
def test_a_timer_is_named_by_what_it_is_for_so_setting_it_twice_is_one_schedule() -> None:
    due = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    one = Timer(kind="payment_reminder", shop_id=SHOP, order_id="450789469", due_at=due)
    again = Timer(kind="payment_reminder", shop_id=SHOP, order_id="450789469", due_at=due)
    assert one.name == again.name == "payment_reminder-acme-shop-450789469-1"
    assert one.name != timer_name("last_call", SHOP, "450789469", 1)


@given(
    shop=st.text(min_size=1, max_size=80),
    order=st.text(min_size=1, max_size=120),
    seq=st.integers(min_value=1, max_value=3),
)
def test_any_timer_name_is_a_valid_schedule_name(shop: str, order: str, seq: int) -> None:
    name = timer_name("late_check", shop, order, seq)
    assert 1 <= len(name) <= 64
    assert all(c.isascii() and (c.isalnum() or c in "_.-") for c in name)


def test_long_ids_that_share_a_prefix_get_different_timer_names() -> None:
    long = "x" * 70
    assert timer_name("late_check", SHOP, long + "1", 1) != timer_name(
        "late_check", SHOP, long + "2", 1
    )


# ---------------------------------------------------------------------- birthdays
def _born(month: int, day: int) -> CustomerProfile:
    return CustomerProfile(customer_id="c1", birthday=Birthday(month=month, day=day))


@pytest.mark.parametrize(
    ("local_day", "celebrates"),
    [
        (datetime(2027, 2, 28, 10), True),
        (datetime(2027, 3, 1, 10), False),
        (datetime(2028, 2, 28, 10), False),
        (datetime(2028, 2, 29, 10), True),
    ],
)
def test_29_february_is_celebrated_on_28_february_only_in_years_without_it(
    local_day: datetime, celebrates: bool
) -> None:
    assert celebrates_today(_born(2, 29), local_day) is celebrates


def test_a_customer_without_a_birthday_is_never_greeted() -> None:
    assert celebrates_today(CustomerProfile(customer_id="c1"), datetime(2027, 1, 1)) is False


# ---------------------------------------------------------------------- outbox
class FakeSqs:
    def __init__(self, fail: int = 0) -> None:
        self.batches: list[list[dict[str, Any]]] = []
        self.fail = fail

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.batches.append(Entries)
        failed = [
            {"Id": e["Id"], "Code": "InternalError", "SenderFault": False}
            for e in Entries[: self.fail]
        ]
        return {"Successful": [{"Id": e["Id"]} for e in Entries[self.fail :]], "Failed": failed}


def _requests(count: int) -> list[MessageRequest]:
    body = load_event("dispatch/outbox_batch")["Records"][0]["body"]
    sample = MessageRequest.model_validate_json(body)
    return [
        sample.model_copy(update={"request_id": request_id("outbox-test", str(i))})
        for i in range(count)
    ]


def test_requests_go_to_the_outbox_in_batches_of_ten() -> None:
    sqs = FakeSqs()
    Outbox(sqs, "https://queue").put(_requests(23))
    assert [len(batch) for batch in sqs.batches] == [10, 10, 3]
    sent = [MessageRequest.model_validate_json(e["MessageBody"]) for b in sqs.batches for e in b]
    assert [r.request_id for r in sent] == [request_id("outbox-test", str(i)) for i in range(23)]


def test_a_partly_refused_batch_fails_so_the_event_is_retried() -> None:
    with pytest.raises(OutboxError, match="refused 1 of 2: InternalError"):
        Outbox(FakeSqs(fail=1), "https://queue").put(_requests(2))


def test_the_same_fact_gives_the_same_request_id() -> None:
    assert request_id("payment_reminder", SHOP, "1", "payment_reminder") == request_id(
        "payment_reminder", SHOP, "1", "payment_reminder"
    )
    assert request_id("payment_reminder", SHOP, "1", "last_call") != request_id(
        "payment_reminder", SHOP, "1", "payment_reminder"
    )
