"""Policies read from JSON: deep inheritance from a preset, their own label, bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courteous.gate.decide import Action, Reason, decide
from courteous.gate.ledger_state import LedgerState
from courteous.gate.policy import PRESETS, PolicyError, load_policy, policy_from_dict
from courteous.messages import Kind, MessageClass
from tests.unit.gate_helpers import request

CLASSES = [c.value for c in MessageClass]
KINDS = [k.value for k in Kind]
hours = st.integers(0, 23).map(lambda h: f"{h:02d}:00")
durations = st.sampled_from(["PT30M", "PT1H", "PT2H", "P1D", "P3D"])


@st.composite
def windows(draw: st.DrawFn) -> dict[str, str]:
    start = draw(hours)
    end = draw(hours.filter(lambda h: h != start))
    return {"start": start, "end": end}


class_rules = st.fixed_dictionaries(
    {},
    optional={
        "quiet_hours": st.lists(windows(), min_size=1, max_size=2),
        "rest_days": st.lists(st.sampled_from(["saturday", "sunday", "monday"]), unique=True),
        "public_holidays": st.booleans(),
    },
)
caps = st.lists(
    st.fixed_dictionaries(
        {
            "name": st.sampled_from(["a", "b"]),
            "classes": st.just(["marketing"]),
            "window": durations,
            "limit": st.integers(1, 5),
        }
    ),
    max_size=2,
)
overrides = st.fixed_dictionaries(
    {},
    optional={
        "classes": st.dictionaries(st.sampled_from(CLASSES), class_rules, max_size=3),
        "caps": caps,
        "min_gap": durations,
        "defer_spread": st.sampled_from(["PT0S", "PT10M", "PT1H"]),
        "urgent_kinds": st.lists(st.sampled_from(KINDS), unique=True, max_size=2),
        "holiday_country": st.sampled_from(["FR", "CN", "US"]),
        "dedupe_retention": st.dictionaries(st.sampled_from(KINDS), durations, max_size=2),
        "sms_opt_out_text": st.dictionaries(st.sampled_from(["en", "de"]), st.just("STOP")),
        "sms_segment_limit": st.integers(1, 10),
        "version": st.integers(1, 9),
    },
)


def leaves(value: Any, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """Every non-object value of a JSON document, by its path (an empty object names none)."""
    if isinstance(value, dict):
        found: dict[tuple[str, ...], Any] = {}
        for key, item in value.items():
            found.update(leaves(item, (*path, str(key))))
        return found
    return {path: value}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(preset=st.sampled_from(sorted(PRESETS)), override=overrides)
def test_whatever_an_override_does_not_name_keeps_the_presets_value(
    preset: str, override: dict[str, Any]
) -> None:
    # Given a preset and a partial override of it
    # (Python values: sets compare as sets, their JSON order varies between processes.)
    base = PRESETS[preset].model_dump()
    # When the override is laid over the preset
    policy = policy_from_dict({"extends": preset, **override}, source="shop-policy")
    # Then every field the override names has its value, and every other the preset's
    named = leaves(override)
    result = leaves(policy.model_dump())
    for path, value in leaves(base).items():
        if path[0] in ("name", "version"):
            continue
        covering = [p for p in named if path[: len(p)] == p]
        if not covering:
            assert result[path] == value, path
    as_json = leaves(policy.model_dump(mode="json"))
    for path, value in named.items():
        if path[0] in ("caps", "urgent_kinds") or path[-1] in ("quiet_hours", "rest_days"):
            continue  # sets and times, normalised on validation
        assert as_json[path] == value, path
    # And a policy that changes anything is labelled by itself, never by the preset
    if policy is not PRESETS[preset]:
        assert policy.name == "shop-policy"


def test_overriding_service_keeps_marketing_and_fr_rest_days(tmp_path: Path) -> None:
    # Given the policy file of the report: us-fl with service hours changed
    path = tmp_path / "p.json"
    path.write_text(
        json.dumps(
            {
                "extends": "us-fl",
                "classes": {"service": {"quiet_hours": [{"start": "19:00", "end": "09:00"}]}},
            }
        )
    )
    policy = load_policy(path)
    # Then marketing keeps Florida's 20:00-08:00, and the label is the file's own
    assert policy.rule_for(MessageClass.MARKETING) == PRESETS["us-fl"].rule_for(
        MessageClass.MARKETING
    )
    assert policy.label == "p@1"
    birthday = request(
        "birthday_greeting", phone="+13055551234", consent={MessageClass.MARKETING: True}
    )
    at = datetime(2026, 3, 11, 0, 30, tzinfo=UTC)  # 20:30 in Miami
    decision = decide(policy, LedgerState(), birthday, at)
    assert (decision.action, decision.reason) == (Action.DEFER, Reason.QUIET_HOURS)
    assert decision.policy_version == "p@1"
    # And under fr, changing service keeps marketing's Sunday and holiday rest
    fr = policy_from_dict(
        {
            "extends": "fr",
            "classes": {"service": {"quiet_hours": [{"start": "23:00", "end": "07:00"}]}},
        }
    )
    marketing = fr.rule_for(MessageClass.MARKETING)
    assert marketing.public_holidays and marketing.rest_days
    assert fr.label == "fr-custom@1"


def test_a_policy_equal_to_its_preset_is_the_preset() -> None:
    assert policy_from_dict({"extends": "fr"}) is PRESETS["fr"]
    assert policy_from_dict({}) is PRESETS["default"]


def test_a_changed_policy_may_not_take_a_presets_name() -> None:
    with pytest.raises(PolicyError, match="name: 'fr' is a preset's"):
        policy_from_dict({"extends": "fr", "name": "fr", "min_gap": "PT1H"})
    with pytest.raises(PolicyError, match="name: 'default' is a preset's"):
        policy_from_dict({"name": "default", "version": 3})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"extends": ["fr"]}, "extends: the name of one preset"),
        ({"extends": {"name": "fr"}}, "extends: the name of one preset"),
        ({"extends": "atlantis"}, "extends: unknown preset 'atlantis'"),
        (
            {"caps": [{"name": "x", "classes": ["service"], "window": "P999999D", "limit": 1}]},
            "caps.0.window",
        ),
        ({"min_gap": "P999999999D"}, "min_gap"),
        ({"min_gap": 3600}, "min_gap: .*not a bare number"),
        ({"defer_spread": 60}, "defer_spread: .*not a bare number"),
        ({"min_gap": "2 hours"}, "min_gap: .*ISO 8601"),
        ({"dedupe_retention": {"payment_reminder": "P99999D"}}, "dedupe_retention"),
        ({"version": 0}, "version"),
    ],
)
def test_bad_policies_are_refused_naming_the_field(data: dict[str, Any], message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        policy_from_dict(data)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe{", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"min_gap": ', "not JSON"),
        (b"[]", "a policy is a JSON object"),
    ],
)
def test_unreadable_policy_files_are_refused_in_one_line(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "policy.json"
    path.write_bytes(content)
    with pytest.raises(PolicyError, match=message) as caught:
        load_policy(path)
    assert "\n" not in str(caught.value)


def test_durations_round_trip_as_iso_text() -> None:
    policy = policy_from_dict({"min_gap": "PT2H"}, source="x")
    assert policy.min_gap == timedelta(hours=2)
    assert policy.model_dump(mode="json")["min_gap"] == "PT2H"
