"""The contact gate's rules, example by example (DESIGN.md, "Contact gate semantics")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from courteous.gate.decide import Action, Reason, committed_send, decide
from courteous.gate.ledger_state import LedgerState, SentEntry
from courteous.gate.policy import PRESETS, PolicyError, load_policy, policy_from_dict
from courteous.messages import Channel, Kind, MessageClass, Recipient
from courteous.recipients.zones import ZoneSource
from tests.unit.gate_helpers import T0, request

DEFAULT = PRESETS["default"]


def sent(kind: Kind, at: datetime, request_id: str = "earlier") -> SentEntry:
    from courteous.messages import KIND_CLASSES

    return SentEntry(request_id=request_id, at=at, kind=kind, message_class=KIND_CLASSES[kind])


def test_daytime_service_message_is_sent() -> None:
    # Given a Shanghai mobile at noon local time, when a reminder is decided
    decision = decide(DEFAULT, LedgerState(), request(), T0)
    # Then it goes now, and the zone came from the phone number
    assert (decision.action, decision.reason) == (Action.SEND, Reason.ALLOWED)
    assert decision.zones == ("Asia/Shanghai",)
    assert decision.zone_source is ZoneSource.PHONE
    assert decision.policy_version == "default@1"


def test_late_night_message_is_deferred_to_the_morning_within_the_spread() -> None:
    night = datetime(2026, 11, 18, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    decision = decide(DEFAULT, LedgerState(), request(), night)
    assert (decision.action, decision.reason) == (Action.DEFER, Reason.QUIET_HOURS)
    opening = datetime(2026, 11, 19, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    assert decision.not_before is not None
    assert opening <= decision.not_before < opening + DEFAULT.defer_spread


def test_spread_is_stable_per_request_and_differs_between_requests() -> None:
    night = datetime(2026, 11, 18, 15, 30, tzinfo=UTC)
    first = request(request_id="a" * 32)
    assert (
        decide(DEFAULT, LedgerState(), first, night).not_before
        == decide(DEFAULT, LedgerState(), first, night).not_before
    )
    instants = {
        decide(DEFAULT, LedgerState(), request(request_id=f"{i:032d}"), night).not_before
        for i in range(20)
    }
    assert len(instants) > 10


def test_opted_out_recipient_is_suppressed_even_for_transactional() -> None:
    ledger = LedgerState(opted_out=frozenset({Channel.SMS}))
    decision = decide(DEFAULT, ledger, request("shipping_notice"), T0)
    assert (decision.action, decision.reason) == (Action.SUPPRESS, Reason.OPTED_OUT)


def test_marketing_needs_consent_but_transactional_never_does() -> None:
    no_marketing = LedgerState(consent={MessageClass.MARKETING: False})
    birthday = decide(DEFAULT, no_marketing, request("birthday_greeting"), T0)
    assert (birthday.action, birthday.reason) == (Action.SUPPRESS, Reason.NO_CONSENT)
    # a profile that never said anything has not consented to marketing
    silent = decide(DEFAULT, LedgerState(), request("birthday_greeting"), T0)
    assert silent.reason is Reason.NO_CONSENT
    refused_all = LedgerState(consent=dict.fromkeys(MessageClass, False))
    refund = decide(DEFAULT, refused_all, request("refund_ack"), T0)
    assert refund.action is Action.SEND


def test_consent_on_the_request_counts_when_the_ledger_has_none() -> None:
    consented = request("birthday_greeting", consent={MessageClass.MARKETING: True})
    assert decide(DEFAULT, LedgerState(), consented, T0).action is Action.SEND


def test_duplicate_dedupe_key_is_suppressed() -> None:
    first = request(dedupe_key="payment_reminder#1001")
    ledger = committed_send(DEFAULT, LedgerState(), first, T0)
    again = request(dedupe_key="payment_reminder#1001")
    decision = decide(DEFAULT, ledger, again, T0 + timedelta(days=1))
    assert (decision.action, decision.reason) == (Action.SUPPRESS, Reason.DUPLICATE)
    # after the retention the key no longer blocks
    later = decide(DEFAULT, ledger, again, T0 + timedelta(days=31))
    assert later.action is Action.SEND


def test_retry_of_a_committed_request_sends_without_counting_twice() -> None:
    first = request()
    ledger = committed_send(DEFAULT, LedgerState(), first, T0)
    decision = decide(DEFAULT, ledger, first, T0 + timedelta(minutes=1))
    assert (decision.action, decision.reason) == (Action.SEND, Reason.RETRY)


def test_expired_request_is_suppressed() -> None:
    decision = decide(DEFAULT, LedgerState(), request(expires_at=T0 - timedelta(seconds=1)), T0)
    assert (decision.action, decision.reason) == (Action.SUPPRESS, Reason.EXPIRED)


def test_request_whose_next_allowed_instant_is_after_it_expires_is_suppressed() -> None:
    night = datetime(2026, 11, 18, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    closes = night + timedelta(hours=2)  # the order closes at 01:30 local
    decision = decide(DEFAULT, LedgerState(), request(expires_at=closes), night)
    assert (decision.action, decision.reason) == (Action.SUPPRESS, Reason.EXPIRED)


def test_three_per_day_cap_defers_the_fourth_until_the_oldest_leaves_the_window() -> None:
    sends = (
        sent(Kind.PAYMENT_REMINDER, T0 - timedelta(hours=20), "a"),
        sent(Kind.DELIVERY_CARE, T0 - timedelta(hours=12), "b"),
        sent(Kind.PAYMENT_REMINDER, T0 - timedelta(hours=6), "c"),
    )
    decision = decide(DEFAULT, LedgerState(sends=sends), request(), T0)
    assert (decision.action, decision.reason) == (Action.DEFER, Reason.FREQUENCY_CAP)
    assert decision.not_before == T0 + timedelta(hours=4)


def test_minimum_gap_between_non_transactional_messages() -> None:
    sends = (sent(Kind.PAYMENT_REMINDER, T0 - timedelta(hours=1)),)
    decision = decide(DEFAULT, LedgerState(sends=sends), request("delivery_care"), T0)
    assert (decision.action, decision.reason) == (Action.DEFER, Reason.MIN_GAP)
    assert decision.not_before == T0 + timedelta(hours=3)


def test_transactional_messages_are_never_capped_and_do_not_count() -> None:
    sends = tuple(sent(Kind.SHIPPING_NOTICE, T0 - timedelta(minutes=i), f"s{i}") for i in range(9))
    ledger = LedgerState(sends=sends)
    assert decide(DEFAULT, ledger, request("refund_ack"), T0).action is Action.SEND
    assert decide(DEFAULT, ledger, request("payment_reminder"), T0).action is Action.SEND


def test_two_marketing_messages_per_week() -> None:
    consent = {MessageClass.MARKETING: True}
    sends = (
        sent(Kind.BIRTHDAY_GREETING, T0 - timedelta(days=6)),
        sent(Kind.BIRTHDAY_GREETING, T0 - timedelta(days=3), "other"),
    )
    decision = decide(
        DEFAULT, LedgerState(sends=sends), request("birthday_greeting", consent=consent), T0
    )
    assert decision.reason is Reason.FREQUENCY_CAP
    assert decision.not_before == T0 + timedelta(days=1)


def test_cap_release_that_falls_in_the_night_waits_for_the_morning() -> None:
    # the oldest leaves the 24 h window one hour later, at 23:00 in Shanghai
    late = T0 + timedelta(hours=10)  # 22:00 Shanghai
    sends = tuple(
        sent(Kind.PAYMENT_REMINDER, late - timedelta(hours=h), f"r{h}") for h in (23, 12, 5)
    )
    decision = decide(DEFAULT, LedgerState(sends=sends), request(), late)
    assert decision.action is Action.DEFER
    assert decision.not_before is not None
    assert decision.not_before >= datetime(2026, 11, 19, 0, 0, tzinfo=UTC)


def test_urgent_kind_passes_quiet_hours() -> None:
    policy = DEFAULT.model_copy(update={"urgent_kinds": frozenset({Kind.PARCEL_DELAY})})
    night = datetime(2026, 11, 18, 15, 30, tzinfo=UTC)
    decision = decide(policy, LedgerState(), request("parcel_delay"), night)
    assert (decision.action, decision.reason) == (Action.SEND, Reason.URGENT)


def test_request_not_yet_due_is_deferred_to_its_not_before() -> None:
    due = T0 + timedelta(minutes=30)
    decision = decide(DEFAULT, LedgerState(), request(not_before=due), T0)
    assert (decision.action, decision.reason, decision.not_before) == (
        Action.DEFER,
        Reason.NOT_YET_DUE,
        due,
    )


def test_florida_preset_closes_at_eight_in_the_evening() -> None:
    miami = request(phone="+13055550123")
    evening = datetime(2026, 11, 18, 1, 30, tzinfo=UTC)  # 20:30 in Miami
    assert decide(PRESETS["us-tcpa"], LedgerState(), miami, evening).action is Action.SEND
    florida = decide(PRESETS["us-fl"], LedgerState(), miami, evening)
    assert (florida.action, florida.reason) == (Action.DEFER, Reason.QUIET_HOURS)


def test_france_preset_holds_marketing_on_sundays_and_holidays_but_not_service() -> None:
    fr = PRESETS["fr"]
    consent = {MessageClass.MARKETING: True}
    paris = Recipient(shop_id="s", email="client@example.fr", country="FR", consent=consent)
    sunday_noon = datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
    birthday = decide(
        fr,
        LedgerState(),
        request("birthday_greeting", channel="email", recipient=paris),
        sunday_noon,
    )
    assert (birthday.action, birthday.reason) == (Action.DEFER, Reason.REST_DAY)
    assert birthday.not_before is not None
    assert birthday.not_before >= datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday 08:00
    reminder = decide(
        fr,
        LedgerState(),
        request("payment_reminder", channel="email", recipient=paris),
        sunday_noon,
    )
    assert reminder.action is Action.SEND
    armistice = datetime(2026, 11, 11, 11, 0, tzinfo=UTC)  # a Wednesday, public holiday
    holiday = decide(
        fr, LedgerState(), request("birthday_greeting", channel="email", recipient=paris), armistice
    )
    assert holiday.reason is Reason.HOLIDAY


def test_number_with_several_zones_must_be_allowed_in_all_of_them() -> None:
    # A Russian mobile may be anywhere from Kaliningrad-ish to Kamchatka
    moscow_noon = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)  # 21:00 in Kamchatka
    decision = decide(DEFAULT, LedgerState(), request(phone="+79161234567"), moscow_noon)
    assert len(decision.zones) > 5
    assert decision.action is Action.DEFER
    assert decision.not_before is not None
    # 08:00 in Kamchatka (UTC+12) is 20:00 UTC
    assert decision.not_before >= datetime(2026, 11, 18, 20, 0, tzinfo=UTC)


def test_zone_evidence_order_profile_phone_address_shop() -> None:
    profile = decide(DEFAULT, LedgerState(), request(zone="Europe/Paris"), T0)
    assert (profile.zones, profile.zone_source) == (("Europe/Paris",), ZoneSource.PROFILE)
    unknown_number = request(phone="+15555550123", country="US", region="FL")
    address = decide(DEFAULT, LedgerState(), unknown_number, T0)
    assert address.zone_source is ZoneSource.ADDRESS
    assert set(address.zones) == {"America/New_York", "America/Chicago"}
    email_only = Recipient(shop_id="shop-1", email="buyer@example.com")
    nothing = decide(
        PRESETS["cn"], LedgerState(), request(channel="email", recipient=email_only), T0
    )
    assert (nothing.zones, nothing.zone_source) == (("Asia/Shanghai",), ZoneSource.SHOP)


def test_invalid_policy_is_refused_naming_the_field() -> None:
    with pytest.raises(PolicyError, match=r"caps\.0\.limit"):
        policy_from_dict(
            {"caps": [{"name": "x", "classes": ["service"], "window": "PT1H", "limit": 0}]}
        )
    with pytest.raises(PolicyError, match=r"classes\.marketing\.quiet_hours\.0"):
        policy_from_dict(
            {"classes": {"marketing": {"quiet_hours": [{"start": "08:00", "end": "08:00"}]}}}
        )
    with pytest.raises(PolicyError, match=r"caps\.0\.classes"):
        policy_from_dict(
            {"caps": [{"name": "x", "classes": ["transactional"], "window": "PT1H", "limit": 1}]}
        )
    with pytest.raises(PolicyError, match="shop_zone"):
        policy_from_dict({"shop_zone": "Mars/Olympus"})
    with pytest.raises(PolicyError, match="no preset or file named"):
        load_policy("atlantis")


def test_policy_file_extends_a_preset(tmp_path: pytest.TempPathFactory) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "policy.json"
    path.write_text('{"extends": "fr", "version": 4, "min_gap": "PT2H"}', encoding="utf-8")
    policy = load_policy(path)
    assert policy.label == "policy@4"
    assert policy.min_gap == timedelta(hours=2)
    assert policy.classes[MessageClass.MARKETING].public_holidays


def test_presets_validate_and_are_named() -> None:
    assert {"default", "cn", "us-tcpa", "us-fl", "fr"} <= set(PRESETS)
    for name, policy in PRESETS.items():
        assert policy.name == name
    florida = PRESETS["us-fl"]
    assert florida.caps[0].limit == 3
    assert florida.caps[0].window == timedelta(hours=24)


def test_ledger_prunes_sends_beyond_the_horizon_and_expired_dedupe_keys() -> None:
    old = sent(Kind.PAYMENT_REMINDER, T0 - timedelta(days=9), "old")
    ledger = LedgerState(sends=(old,), dedupe={"gone": T0 - timedelta(days=1)})
    after = committed_send(DEFAULT, ledger, request(dedupe_key="k", request_id="new-request"), T0)
    assert [s.request_id for s in after.sends] == ["new-request"]
    assert set(after.dedupe) == {"k"}
    assert after.expires_at(DEFAULT.ledger_horizon) is not None
    assert LedgerState(opted_out=frozenset({Channel.SMS})).expires_at(timedelta(days=7)) is None


def test_decision_instants_are_utc_aware() -> None:
    decision = decide(DEFAULT, LedgerState(), request(), T0)
    assert decision.decided_at.tzinfo is not None
    assert decision.decided_at.astimezone(UTC) == T0
