"""A shop's own templates reach every variant; a misspelt folder is an error."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from courteous.cli import main
from courteous.gate.policy import PRESETS
from courteous.messages import Channel, Kind, MessageRequest, Recipient
from courteous.rendering.overrides import layout_problems
from courteous.rendering.renderer import TemplateRenderer
from courteous.rendering.samples import FULL


def reminder(tier: str, last_call: bool = False) -> MessageRequest:
    data = {**FULL[Kind.PAYMENT_REMINDER], "tier": tier, "last_call": last_call}
    return MessageRequest(
        kind=Kind.PAYMENT_REMINDER,
        channel=Channel.SMS,
        recipient=Recipient(shop_id="acme", phone="+12125550123", zone="America/New_York"),
        data=data,
        created_at=datetime(2026, 11, 18, 15, tzinfo=UTC),
    )


@pytest.fixture
def overrides(tmp_path: Path) -> Path:
    folder = tmp_path / "acme" / "payment_reminder" / "en"
    folder.mkdir(parents=True)
    (folder / "sms.j2").write_text("{{ shop.name }}: order {{ order_number }} awaits you.")
    return tmp_path


@pytest.mark.parametrize("tier,last_call", [("vip", False), ("member", False), ("top_vip", True)])
def test_a_shops_plain_sms_reaches_vip_member_and_last_call_customers(
    overrides: Path, tier: str, last_call: bool
) -> None:
    message = TemplateRenderer(overrides).render(reminder(tier, last_call), PRESETS["default"])
    assert message.text.startswith("Lotus Tea: order #1001 awaits you.")


def test_the_shops_more_specific_file_wins_over_its_plain_one(overrides: Path) -> None:
    (overrides / "acme" / "payment_reminder" / "en" / "sms.vip.j2").write_text(
        "VIP {{ order_number }}"
    )
    renderer = TemplateRenderer(overrides)
    assert renderer.render(reminder("vip"), PRESETS["default"]).text.startswith("VIP #1001")
    assert renderer.render(reminder("member"), PRESETS["default"]).text.startswith("Lotus Tea:")


def test_a_shop_without_overrides_keeps_the_packaged_variants(tmp_path: Path) -> None:
    plain = TemplateRenderer(tmp_path).render(reminder("vip"), PRESETS["default"]).text
    assert plain == TemplateRenderer().render(reminder("vip"), PRESETS["default"]).text


def test_misspelt_folders_and_parts_are_named() -> None:
    problems = layout_problems(
        [
            "payment_reminders/en/sms.j2",
            "payment_reminder/de/sms.j2",
            "refund_ack/en/smss.j2",
            "payment_reminder/en/sms.gold.j2",
            "payment_reminder/en/sms.vip.j2",
        ]
    )
    assert len(problems) == 4
    assert "no kind 'payment_reminders'" in problems[0] or any(
        "no kind 'payment_reminders'" in p for p in problems
    )


def test_templates_check_names_a_syntax_error_in_one_line(
    overrides: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (overrides / "acme" / "payment_reminder" / "en" / "sms.j2").write_text("{{ order_number ")
    code = main(["templates", "check", "--shop", str(overrides / "acme")])
    out = capsys.readouterr().out
    assert code == 1
    assert "payment_reminder/en/sms.j2:1: unexpected end of template" in out


def test_templates_check_refuses_a_misspelt_kind_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "acme" / "payment_reminders" / "en"
    folder.mkdir(parents=True)
    (folder / "sms.j2").write_text("hello")
    assert main(["templates", "check", "--shop", str(tmp_path / "acme")]) == 1
    assert "no kind 'payment_reminders'" in capsys.readouterr().out
