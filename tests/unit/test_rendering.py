"""Templates, content policy and SMS length."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from courteous.errors import ContentViolation
from courteous.gate.policy import PRESETS, Policy
from courteous.messages import Channel, Kind, MessageRequest, Recipient
from courteous.rendering import (
    ContentRules,
    InvalidMessageData,
    TemplateError,
    TemplateRenderer,
    sms_segments,
    template_locale,
    violations,
)
from courteous.rendering.check import check_templates
from courteous.rendering.samples import FULL

AT = datetime(2026, 11, 18, 4, 0, tzinfo=UTC)
SHANGHAI = Recipient(shop_id="lotus", phone="+8613800138000", locale="zh-CN")
NEW_YORK = Recipient(shop_id="lotus", phone="+12125550123", email="jon@example.com", locale="en-US")
RULES = ContentRules(
    shop_domain="lotus-tea.example.cn",
    allowed_hosts=frozenset({"www.sf-express.com"}),
    shop_emails=frozenset({"care@lotus-tea.example.cn"}),
)


def render(
    kind: Kind,
    recipient: Recipient,
    channel: str = "sms",
    policy: Policy | None = None,
    renderer: TemplateRenderer | None = None,
    **data: Any,
) -> Any:
    request = MessageRequest(
        kind=kind,
        channel=channel,
        recipient=recipient,
        data={**FULL[kind], **data},
        created_at=AT,
    )
    return (renderer or TemplateRenderer()).render(request, policy or PRESETS["default"])


def rules_broken(text: str) -> list[str]:
    return [violation.rule for violation in violations(text, RULES)]


# ---------------------------------------------------------------------- templates
def test_every_shipped_template_renders_within_policy_for_every_variant() -> None:
    results = check_templates(TemplateRenderer())
    assert [r for r in results if not r.ok] == []
    assert len(results) == 462  # 7 kinds x 3 locales x their variants x 2 channels
    assert all(r.segments is None or r.segments <= 3 for r in results)


def test_member_tiers_are_worded_differently_in_both_languages() -> None:
    vip = render(Kind.PAYMENT_REMINDER, SHANGHAI, tier="vip").text
    member = render(Kind.PAYMENT_REMINDER, SHANGHAI, tier="member").text
    plain = render(Kind.PAYMENT_REMINDER, SHANGHAI, tier="non_member").text
    assert "尊敬的VIP会员" in vip and "尊敬的会员" in member and "亲" in plain
    assert "Dear Top VIP" in render(Kind.PAYMENT_REMINDER, NEW_YORK, tier="top_vip").text


def test_product_kind_changes_the_reminder() -> None:
    promotion = render(Kind.PAYMENT_REMINDER, NEW_YORK, product_kind="promotion").text
    exclusive = render(Kind.PAYMENT_REMINDER, NEW_YORK, product_kind="exclusive").text
    assert "promotional price" in promotion and "Exclusive items" in exclusive


def test_a_shipping_notice_without_an_estimate_has_no_date_line() -> None:
    with_estimate = render(Kind.SHIPPING_NOTICE, NEW_YORK).text
    without = render(Kind.SHIPPING_NOTICE, NEW_YORK, estimated_delivery=None, estimate_latest=None)
    assert "Expected by Nov 20, 2026" in with_estimate
    assert "Expected" not in without.text and "2026" not in without.text


def test_money_and_dates_follow_the_locale() -> None:
    zh = render(Kind.REFUND_ACK, SHANGHAI).text
    en = render(Kind.REFUND_ACK, NEW_YORK).text
    assert "¥449.50" in zh and "CN¥449.50" in en
    assert "Nov 20, 2026" in render(Kind.SHIPPING_NOTICE, NEW_YORK).text
    assert "2026年11月20日" in render(Kind.SHIPPING_NOTICE, SHANGHAI).text


def test_a_close_time_is_shown_in_the_recipients_zone() -> None:
    # 2026-11-19 04:00 UTC is 12:00 in Shanghai and 23:00 the day before in New York
    assert "12:00" in render(Kind.PAYMENT_REMINDER, SHANGHAI).text
    assert "11:00 PM" in render(Kind.PAYMENT_REMINDER, NEW_YORK).text


def test_email_has_a_subject_and_the_shops_signature() -> None:
    message = render(Kind.SHIPPING_NOTICE, NEW_YORK, channel="email")
    assert message.subject == "Order #1001 is on its way"
    assert message.text.endswith("care@lotus-tea.example.cn - https://lotus-tea.example.cn/help")


def test_data_missing_a_field_is_refused_naming_it() -> None:
    request = MessageRequest(
        kind=Kind.REFUND_ACK,
        channel="sms",
        recipient=NEW_YORK,
        data={"shop": FULL[Kind.REFUND_ACK]["shop"], "order_number": "#1"},
        created_at=AT,
    )
    with pytest.raises(InvalidMessageData, match=r"data\.handling_days"):
        TemplateRenderer().render(request, PRESETS["default"])


def test_a_missing_variable_in_a_shop_template_is_an_error_not_a_blank(tmp_path: Path) -> None:
    override = tmp_path / "lotus" / "birthday_greeting" / "en"
    override.mkdir(parents=True)
    (override / "sms.j2").write_text("Happy birthday {{ nickname }}!", encoding="utf-8")
    with pytest.raises(TemplateError, match="nickname"):
        render(Kind.BIRTHDAY_GREETING, NEW_YORK, renderer=TemplateRenderer(tmp_path), coupon=None)


def test_a_shop_override_wins_over_the_packaged_template(tmp_path: Path) -> None:
    override = tmp_path / "lotus" / "birthday_greeting" / "en"
    override.mkdir(parents=True)
    (override / "sms.j2").write_text("{{ shop.name }} says happy birthday!", encoding="utf-8")
    message = render(
        Kind.BIRTHDAY_GREETING, NEW_YORK, renderer=TemplateRenderer(tmp_path), coupon=None
    )
    assert message.text.startswith("Lotus Tea says happy birthday!")


def test_a_shop_template_with_a_syntax_error_is_an_error_naming_the_line(tmp_path: Path) -> None:
    override = tmp_path / "lotus" / "birthday_greeting" / "en"
    override.mkdir(parents=True)
    (override / "sms.j2").write_text("Happy {{ first_name }", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"sms\.j2:1"):
        render(Kind.BIRTHDAY_GREETING, NEW_YORK, renderer=TemplateRenderer(tmp_path), coupon=None)


def test_french_sms_stay_in_gsm_7_and_end_with_the_french_opt_out_line() -> None:
    paris = Recipient(shop_id="lotus", phone="+33612345678", locale="fr-FR")
    message = render(Kind.REFUND_ACK, paris)
    assert message.text.startswith("Lotus Tea : nous avons bien enregistré votre demande")
    assert "449,50 CNY" in message.text  # French number format, the order's currency
    assert sms_segments(message.text).encoding == "GSM-7"
    birthday = render(Kind.BIRTHDAY_GREETING, paris).text
    assert birthday.startswith("Joyeux anniversaire, Wei !")
    assert birthday.endswith("STOP SMS: repondez STOP")


def test_templates_cannot_reach_python_objects(tmp_path: Path) -> None:
    override = tmp_path / "lotus" / "birthday_greeting" / "en"
    override.mkdir(parents=True)
    (override / "sms.j2").write_text(
        "{{ money.__globals__['os'].system('true') }}", encoding="utf-8"
    )
    with pytest.raises(Exception, match=r"unsafe|not safely|__globals__"):
        render(Kind.BIRTHDAY_GREETING, NEW_YORK, renderer=TemplateRenderer(tmp_path), coupon=None)


def test_locales_fall_back_by_language_then_to_english() -> None:
    assert template_locale("zh-CN") == "zh-CN"
    assert template_locale("zh_TW") == "zh-CN"
    assert template_locale("en-AU") == "en"
    assert template_locale("fr-FR") == "fr"
    assert template_locale("de-DE") == "en"
    assert template_locale(None) == "en"


# ---------------------------------------------------------------------- opt-out line
def test_service_and_marketing_sms_end_with_the_opt_out_line_in_the_recipients_language() -> None:
    assert render(Kind.PAYMENT_REMINDER, SHANGHAI).text.endswith("回T退订")
    assert render(Kind.BIRTHDAY_GREETING, NEW_YORK).text.endswith("Reply STOP to opt out")


def test_transactional_sms_and_e_mail_carry_no_opt_out_line() -> None:
    assert "退订" not in render(Kind.SHIPPING_NOTICE, SHANGHAI).text
    assert "STOP" not in render(Kind.REFUND_ACK, NEW_YORK).text
    assert "STOP" not in render(Kind.BIRTHDAY_GREETING, NEW_YORK, channel="email").text


def test_an_sms_over_the_policys_segment_limit_is_refused() -> None:
    tight = Policy(name="tight", sms_segment_limit=1)
    with pytest.raises(ContentViolation) as refused:
        render(Kind.SHIPPING_NOTICE, SHANGHAI, policy=tight)
    assert refused.value.rule == "sms_too_long"


# ---------------------------------------------------------------------- content policy
@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Track it: https://www.sf-express.com/track?no=SF1", None),
        ("See https://lotus-tea.example.cn/help or shop.lotus-tea.example.cn", None),
        ("Better prices at https://cheap-tea.example.com/deal", "foreign_link"),
        ("Visit cheap-tea.example.com now", "foreign_link"),
        ("查看 bit.ly/x1 领取", "foreign_link"),
        ("Pay to 4111 1111 1111 1111 today", "card_number"),
        ("转账到6222020200112233445", None),  # 19 digits, not a valid Luhn number
        ("转账到6222 0202 0011 2233 446", "card_number"),
        ("Wire to DE89 3704 0044 0532 0130 00", "bank_account"),
        ("Tracking 9400111202555842761023 and SF1234567890", None),
        ("Write to care@lotus-tea.example.cn", None),
        ("Write to deals@elsewhere.example.com", "foreign_email"),
        ("加微信 lotus888 领红包", "off_platform_contact"),
        ("请加V：lotus888", "off_platform_contact"),
        ("扫码关注二维码", "off_platform_contact"),
        ("Add me on WhatsApp for a discount", "off_platform_contact"),
        ("Message us on Telegram", "off_platform_contact"),
        ("Don't be an idiot, pay now", "abusive_language"),
        ("你这个蠢货赶紧付款", "abusive_language"),
        ("Total 168.00 CNY, e.g. two boxes", None),
    ],
)
def test_content_policy_in_both_languages(text: str, rule: str | None) -> None:
    assert sorted(set(rules_broken(text))) == ([rule] if rule else [])


def test_a_violation_in_a_rendered_message_names_its_rule(tmp_path: Path) -> None:
    override = tmp_path / "lotus" / "delivery_care" / "zh-CN"
    override.mkdir(parents=True)
    (override / "sms.j2").write_text(
        "【{{ shop.name }}】好评返现请加微信lotus888", encoding="utf-8"
    )
    with pytest.raises(ContentViolation) as refused:
        render(Kind.DELIVERY_CARE, SHANGHAI, renderer=TemplateRenderer(tmp_path), coupon=None)
    assert refused.value.rule == "off_platform_contact"


# ---------------------------------------------------------------------- segments
@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),
        ("€" * 81, "GSM-7", 162, 2),
        ("中" * 70, "UCS-2", 70, 1),
        ("中" * 71, "UCS-2", 71, 2),
        ("中" * 134, "UCS-2", 134, 2),
        ("中" * 135, "UCS-2", 135, 3),
        ("🎂" * 35, "UCS-2", 70, 1),
        ("🎂" * 36, "UCS-2", 72, 2),
        ("a" * 159 + "中", "UCS-2", 160, 3),
        ("", "GSM-7", 0, 0),
    ],
)
def test_sms_segments(text: str, encoding: str, units: int, segments: int) -> None:
    counted = sms_segments(text)
    assert (counted.encoding, counted.units, counted.segments) == (encoding, units, segments)


def test_channels_are_both_rendered() -> None:
    assert {Channel.SMS, Channel.EMAIL} == set(Channel)


def test_the_html_part_says_what_the_text_says_and_escapes_the_data() -> None:
    message = render(Kind.BIRTHDAY_GREETING, NEW_YORK, channel="email", first_name="<b>Jon</b>")
    assert message.html is not None
    assert "Happy birthday, &lt;b&gt;Jon&lt;/b&gt;!" in message.html
    assert "<b>Jon</b>" not in message.html
    assert 'href="mailto:care@lotus-tea.example.cn"' in message.html
    assert message.text.startswith("Happy birthday, <b>Jon</b>!")  # plain text stays plain
