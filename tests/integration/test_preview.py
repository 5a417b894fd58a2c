"""`courteous preview`: the flows' messages for one event, rendered and judged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from courteous.cli import main
from tests.conftest import EVENTS_DIR


def preview(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    assert main(["preview", *args, "--json"]) == 0
    return list(json.loads(capsys.readouterr().out))


def test_an_unpaid_vip_order_previews_its_reminder_and_last_call(
    capsys: pytest.CaptureFixture[str],
) -> None:
    items = preview(capsys, "--event", str(EVENTS_DIR / "orders/OrderCreated.json"))
    assert [item["kind"] for item in items] == ["payment_reminder", "payment_reminder"]
    first, last = items
    assert first["decision"]["action"] == "send"  # type: ignore[index]
    assert "Dear VIP" in str(first["text"])
    assert "last reminder" in str(last["text"])
    assert first["sms"]["segments"] <= 3  # type: ignore[index]


def test_a_locale_renders_the_same_messages_in_that_language(
    capsys: pytest.CaptureFixture[str],
) -> None:
    items = preview(
        capsys, "--event", str(EVENTS_DIR / "orders/RefundRequested.json"), "--locale", "zh-CN"
    )
    (ack,) = items
    assert ack["kind"] == "refund_ack" and "退货退款申请" in str(ack["text"])


def test_the_decision_is_taken_at_the_given_instant(capsys: pytest.CaptureFixture[str]) -> None:
    items = preview(
        capsys,
        "--event",
        str(EVENTS_DIR / "orders/RefundRequested.json"),
        "--at",
        "2026-11-26T06:00:00Z",  # 01:00 in Louisville
    )
    (ack,) = items
    assert ack["decision"]["action"] == "defer"  # type: ignore[index]
    assert ack["decision"]["reason"] == "quiet_hours"  # type: ignore[index]


def test_a_shipment_previews_the_notice_and_both_apologies(
    capsys: pytest.CaptureFixture[str],
) -> None:
    kinds = [
        i["kind"] for i in preview(capsys, "--event", str(EVENTS_DIR / "orders/OrderShipped.json"))
    ]
    assert kinds == ["shipping_notice", "parcel_delay", "parcel_delay"]


def test_a_file_that_is_not_an_event_is_one_line_of_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"detail-type": "OrderShipped", "detail": {}}', encoding="utf-8")
    assert main(["preview", "--event", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--event" in err


def test_the_sample_customer_gets_the_birthday_greeting_by_e_mail(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given the repository's customer: yes to marketing e-mail, no to marketing SMS
    # When the preview runs the birthday flow for them
    assert (
        main(["preview", "--event", str(EVENTS_DIR / "orders/CustomerUpdated.json"), "--json"]) == 0
    )
    out = capsys.readouterr().out
    # Then stdout is one JSON document (the flows' log lines went elsewhere)
    (greeting,) = json.loads(out)
    # And the greeting goes by e-mail, because the text had no consent
    assert greeting["kind"] == "birthday_greeting"
    assert greeting["channel"] == "email"
    assert greeting["decision"]["action"] == "send"
    assert greeting["refused"] == [
        {"channel": "sms", "reason": "no_consent", "detail": "no consent to marketing messages"}
    ]
    # And its headers carry the one-click unsubscribe
    headers = greeting["headers"]
    assert headers["To"] == "bob.norman@mail.example.com"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["List-Unsubscribe"].startswith("<https://")
    assert "<mailto:" in headers["List-Unsubscribe"]


def test_a_transactional_e_mail_previews_without_an_unsubscribe(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a shop that sends e-mail first, from its own address
    settings = tmp_path / "settings.json"
    settings.write_text(
        json.dumps({"channels": ["email", "sms"], "email": {"from": "Acme <orders@acme.example>"}}),
        encoding="utf-8",
    )
    items = preview(
        capsys,
        "--event",
        str(EVENTS_DIR / "orders/RefundRequested.json"),
        "--settings",
        str(settings),
    )
    (ack,) = items
    assert ack["channel"] == "email"
    headers = ack["headers"]
    assert isinstance(headers, dict)
    assert headers["From"] == "Acme <orders@acme.example>"
    assert "List-Unsubscribe" not in headers


def test_settings_that_do_not_validate_are_one_line_of_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text('{"channels": ["fax"]}', encoding="utf-8")
    event = str(EVENTS_DIR / "orders/RefundRequested.json")
    assert main(["preview", "--event", event, "--settings", str(settings)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "channels" in err
