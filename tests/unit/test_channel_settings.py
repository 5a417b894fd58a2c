"""A shop's channel order and senders, in its settings: validated when they load."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from courteous.flows.settings import ShopSettingsError, settings_from_json
from courteous.messages import Channel


def _load(**fields: object) -> object:
    return settings_from_json("lotus-tea", json.dumps(fields))


def test_a_shop_on_the_defaults_texts_first_from_the_deployment_s_senders() -> None:
    channels = settings_from_json("lotus-tea", None).channel_settings()
    assert channels.order == (Channel.SMS, Channel.EMAIL)
    assert channels.email is None and channels.sms is None


def test_the_readme_example_loads() -> None:
    settings = settings_from_json(
        "lotus-tea",
        json.dumps(
            {
                "channels": ["email", "sms"],
                "email": {
                    "from": "Lotus Tea <Orders@Lotus-Tea.example.cn>",
                    "reply_to": "care@lotus-tea.example.cn",
                },
                "sms": {
                    "origination_identity": "pool-" + "0" * 32,
                    "reply_numbers": ["+1 206 555 0152"],
                    "monthly_spend_limit": "50.00",
                },
            }
        ),
    )
    channels = settings.channel_settings()
    assert channels.order == (Channel.EMAIL, Channel.SMS)
    assert channels.email is not None
    assert channels.email.from_address == "Lotus Tea <orders@lotus-tea.example.cn>"
    assert channels.sms is not None and channels.sms_spend_limit == Decimal("50.00")
    assert channels.sms.own_numbers == frozenset({"+12065550152"})


def test_a_number_identity_is_its_own_reply_number() -> None:
    settings = settings_from_json(
        "lotus-tea", json.dumps({"sms": {"origination_identity": "+12065550152"}})
    )
    assert settings.channel_settings().sms is not None
    assert settings.channel_settings().sms.own_numbers == frozenset({"+12065550152"})  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"channels": []}, "channels"),
        ({"channels": ["sms", "sms"]}, "channels"),
        ({"channels": ["fax"]}, "channels.0"),
        ({"email": {"from": "not an address"}}, "email.from"),
        ({"email": {"from": "a@b.example", "reply_to": "nope"}}, "email.reply_to"),
        ({"sms": {"origination_identity": "not an identity!"}}, "sms.origination_identity"),
        ({"sms": {"monthly_spend_limit": "-1"}}, "sms.monthly_spend_limit"),
        ({"sms": {"reply_numbers": ["12"]}}, "sms.reply_numbers"),
        ({"sms": {"sender": "x"}}, "sms.sender"),
    ],
)
def test_a_bad_channel_setting_is_refused_with_the_field_named(
    fields: dict[str, object], named: str
) -> None:
    with pytest.raises(ShopSettingsError) as refused:
        _load(**fields)
    assert f": {named}:" in str(refused.value)
