"""Each preset's rules against the text they come from (named in each test)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import holidays

from courteous.gate.calendar import CN_SCHEDULES, OpenHours
from courteous.gate.decide import Action, Decision, Reason, decide
from courteous.gate.ledger_state import LedgerState, SentEntry
from courteous.gate.policy import PRESETS, Policy, policy_from_dict
from courteous.messages import Kind, MessageClass, Recipient
from tests.unit.gate_helpers import request

MARKETING_YES = {MessageClass.MARKETING: True}


def birthday(policy: Policy, at: datetime, **recipient: str) -> Decision:
    who = Recipient(shop_id="s", consent=MARKETING_YES, **recipient)
    channel = "sms" if "phone" in recipient else "email"
    return decide(
        policy, LedgerState(), request("birthday_greeting", channel=channel, recipient=who), at
    )


# fr — the French operators' code of practice for commercial SMS: Monday to Saturday
# 08:00-20:00, never on Sundays or public holidays.


def test_fr_marketing_closes_at_20_00_code_of_practice() -> None:
    paris = {"phone": "+33612345678"}
    before = datetime(2026, 11, 18, 18, 59, tzinfo=UTC)  # Wednesday 19:59 in Paris
    after = datetime(2026, 11, 18, 19, 0, tzinfo=UTC)  # 20:00
    assert birthday(PRESETS["fr"], before, **paris).action is Action.SEND
    late = birthday(PRESETS["fr"], after, **paris)
    assert (late.action, late.reason) == (Action.DEFER, Reason.QUIET_HOURS)
    assert late.not_before is not None
    assert late.not_before >= datetime(2026, 11, 19, 7, 0, tzinfo=UTC)  # Thursday 08:00


def test_fr_marketing_opens_at_08_00_on_saturday_code_of_practice() -> None:
    paris = {"phone": "+33612345678"}
    saturday_0800 = datetime(2026, 11, 21, 7, 0, tzinfo=UTC)
    assert birthday(PRESETS["fr"], saturday_0800, **paris).action is Action.SEND
    assert birthday(PRESETS["fr"], saturday_0800 - timedelta(minutes=1), **paris).reason is (
        Reason.QUIET_HOURS
    )


def test_fr_marketing_never_on_sunday_code_of_practice() -> None:
    sunday_noon = datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
    decision = birthday(PRESETS["fr"], sunday_noon, phone="+33612345678")
    assert (decision.action, decision.reason) == (Action.DEFER, Reason.REST_DAY)


def test_fr_marketing_never_on_a_public_holiday_code_of_practice() -> None:
    armistice = datetime(2026, 11, 11, 11, 0, tzinfo=UTC)  # Wednesday 11 November
    assert birthday(PRESETS["fr"], armistice, phone="+33612345678").reason is Reason.HOLIDAY


def test_fr_reunion_numbers_keep_20_december_holidays_package_subdivision_974() -> None:
    # 20 December 2026 is a Sunday: the 2027 one, a Monday, shows the holiday itself
    noon_reunion = datetime(2027, 12, 20, 8, 0, tzinfo=UTC)  # 12:00 in La Reunion
    reunion = birthday(PRESETS["fr"], noon_reunion, phone="+262692123456")
    assert reunion.reason is Reason.HOLIDAY
    by_address = birthday(
        PRESETS["fr"], noon_reunion, email="a@example.re", country="FR", region="974"
    )
    assert by_address.reason is Reason.HOLIDAY
    # while mainland France works that day
    noon_paris = datetime(2027, 12, 20, 11, 0, tzinfo=UTC)
    assert birthday(PRESETS["fr"], noon_paris, phone="+33612345678").action is Action.SEND


def test_fr_service_messages_keep_the_courtesy_hours_not_the_marketing_rule() -> None:
    sunday_2030 = datetime(2026, 11, 22, 19, 30, tzinfo=UTC)
    reminder = decide(PRESETS["fr"], LedgerState(), request(phone="+33612345678"), sunday_2030)
    assert reminder.action is Action.SEND


# us-fl — Fla. Stat. 501.616(6)(a): 8 a.m. to 8 p.m. at the called person's location;
# 501.616(6)(b): at most three calls in 24 hours on the same subject.


def test_us_fl_closes_at_8_pm_local_fla_stat_501_616_6_a() -> None:
    miami = request(phone="+13055550123")
    assert (
        decide(
            PRESETS["us-fl"], LedgerState(), miami, datetime(2026, 11, 18, 0, 59, tzinfo=UTC)
        ).action
        is Action.SEND
    )
    late = decide(PRESETS["us-fl"], LedgerState(), miami, datetime(2026, 11, 18, 1, 0, tzinfo=UTC))
    assert late.reason is Reason.QUIET_HOURS
    # the Panhandle is Central: 8 p.m. there is an hour later
    pensacola = request(phone="+18505550123")
    assert (
        decide(
            PRESETS["us-fl"], LedgerState(), pensacola, datetime(2026, 11, 18, 0, 30, tzinfo=UTC)
        ).action
        is Action.SEND
    )


def test_us_fl_three_per_24_hours_fla_stat_501_616_6_b() -> None:
    at = datetime(2026, 11, 18, 17, 0, tzinfo=UTC)  # noon in Miami
    sends = tuple(
        SentEntry(
            request_id=f"r{i}",
            at=at - timedelta(hours=20 - 5 * i),
            kind=Kind.PAYMENT_REMINDER,
            message_class=MessageClass.SERVICE,
        )
        for i in range(3)
    )
    decision = decide(PRESETS["us-fl"], LedgerState(sends=sends), request(phone="+13055550123"), at)
    assert (decision.action, decision.reason) == (Action.DEFER, Reason.FREQUENCY_CAP)


# us-tcpa — 47 CFR 64.1200(c)(1): 8 a.m. to 9 p.m., local time at the called party.


def test_us_tcpa_closes_at_9_pm_local_47_cfr_64_1200_c_1() -> None:
    la = request(phone="+12135550123")
    assert (
        decide(
            PRESETS["us-tcpa"], LedgerState(), la, datetime(2026, 11, 18, 4, 59, tzinfo=UTC)
        ).action
        is Action.SEND
    )
    assert (
        decide(
            PRESETS["us-tcpa"], LedgerState(), la, datetime(2026, 11, 18, 5, 0, tzinfo=UTC)
        ).reason
        is Reason.QUIET_HOURS
    )
    assert (
        decide(
            PRESETS["us-tcpa"], LedgerState(), la, datetime(2026, 11, 18, 15, 59, tzinfo=UTC)
        ).reason
        is Reason.QUIET_HOURS
    )
    assert (
        decide(
            PRESETS["us-tcpa"], LedgerState(), la, datetime(2026, 11, 18, 16, 0, tzinfo=UTC)
        ).action
        is Action.SEND
    )


# cn — SMS vendors' promotion window, 08:00-21:00; with holidays on, the State
# Council's notice for the year (国务院办公厅关于2026年部分节假日安排的通知).


def test_cn_closes_at_21_00_vendor_promotion_window() -> None:
    beijing = request(phone="+8613800138000")
    assert (
        decide(
            PRESETS["cn"], LedgerState(), beijing, datetime(2026, 11, 18, 12, 59, tzinfo=UTC)
        ).action
        is Action.SEND
    )
    assert (
        decide(
            PRESETS["cn"], LedgerState(), beijing, datetime(2026, 11, 18, 13, 0, tzinfo=UTC)
        ).reason
        is Reason.QUIET_HOURS
    )


CN_WITH_HOLIDAYS = policy_from_dict(
    {
        "extends": "cn",
        "classes": {"marketing": {"public_holidays": True, "rest_days": ["saturday", "sunday"]}},
    },
    source="cn-holidays",
)


def open_on(day: date) -> bool:
    rule = CN_WITH_HOLIDAYS.rule_for(MessageClass.MARKETING)
    hours = OpenHours(rule, ("Asia/Shanghai",), "CN")
    return hours.is_open(datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC))  # 10:00


def test_cn_2026_spring_festival_break_is_15_to_23_february_state_council_notice() -> None:
    for offset in range(9):
        assert not open_on(date(2026, 2, 15) + timedelta(days=offset))
    assert open_on(date(2026, 2, 24))


def test_cn_2026_make_up_saturdays_are_working_days_state_council_notice() -> None:
    assert open_on(date(2026, 2, 14))  # Saturday, worked
    assert open_on(date(2026, 2, 28))  # Saturday, worked
    assert not open_on(date(2026, 3, 7))  # an ordinary Saturday rests


def test_cn_2026_national_day_break_and_its_working_sunday_state_council_notice() -> None:
    assert not open_on(date(2026, 10, 4))  # Sunday inside the break
    assert open_on(date(2026, 9, 20))  # Sunday, worked
    assert open_on(date(2026, 10, 10))  # Saturday, worked


def test_cn_schedules_agree_with_the_holidays_package_where_it_has_them() -> None:
    for year, official in CN_SCHEDULES.items():
        calendar = holidays.country_holidays("CN", years=year)
        assert set(calendar) <= official.rest_days(), official.source
        package_workdays = {day for day in calendar.weekend_workdays if day.year == year}
        assert package_workdays == set(official.workdays), official.source


def test_urgent_kinds_pass_quiet_hours_rest_days_and_holidays_alike() -> None:
    urgent = policy_from_dict(
        {"extends": "fr", "urgent_kinds": ["birthday_greeting"]}, source="urgent"
    )
    sunday_night = datetime(2026, 11, 22, 22, 0, tzinfo=UTC)
    decision = birthday(urgent, sunday_night, phone="+33612345678")
    assert (decision.action, decision.reason) == (Action.SEND, Reason.URGENT)
