"""`courteous why` answers from the gate table a local run left behind."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from courteous import clock
from courteous.cli import main
from courteous.gate.policy import Policy
from courteous.gate.service import ContactGate
from courteous.gate.store import GateStore
from courteous.messages import Channel, MessageClass, MessageRequest, Recipient
from courteous_local.stack import LOCAL_CONTACT_KEY, LocalStack
from courteous_local.state import LocalState

pytestmark = pytest.mark.e2e

LATE_EVENING_IN_NEW_YORK = datetime(2026, 11, 19, 2, 30, tzinfo=UTC)  # 21:30 EST
PHONE = "+12125550123"
EMAIL = "jon.snow@example.com"


def _reminder(order: str) -> MessageRequest:
    return MessageRequest(
        kind="payment_reminder",
        recipient=Recipient(shop_id="shop-ny", phone=PHONE),
        order_id=order,
        created_at=LATE_EVENING_IN_NEW_YORK - timedelta(hours=1),
        dedupe_key=f"payment_reminder#{order}",
    )


def _greeting() -> MessageRequest:
    """A birthday greeting for a customer who said no to marketing texts, yes by e-mail."""
    return MessageRequest(
        kind="birthday_greeting",
        recipient=Recipient(
            shop_id="shop-ny",
            customer_id="8101",
            phone=PHONE,
            email=EMAIL,
            channel_consent={
                Channel.SMS: {MessageClass.MARKETING: False},
                Channel.EMAIL: {MessageClass.MARKETING: True},
            },
        ),
        created_at=LATE_EVENING_IN_NEW_YORK,
        dedupe_key="birthday_greeting#8101#2026",
    )


def test_why_lists_each_decision_with_its_reason_after_the_run_ended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a local run in which the gate deferred one reminder at night and sent one by day
    monkeypatch.chdir(tmp_path)
    with LocalStack(LATE_EVENING_IN_NEW_YORK, state_root=tmp_path, shops=("shop-ny",)) as stack:
        assert stack.resources is not None
        store = GateStore(boto3.client("dynamodb"), stack.resources.ref("GateTable"))
        gate = ContactGate(
            store,
            lambda shop: Policy(
                name="us-tcpa", version=3, shop_zone="America/New_York", min_gap=timedelta(0)
            ),
            LOCAL_CONTACT_KEY.encode(),
        )
        night = gate.admit(_reminder("A-1"))
        stack.advance(timedelta(hours=12))
        assert clock.now() == LATE_EVENING_IN_NEW_YORK + timedelta(hours=12)
        day = gate.admit(_reminder("A-2"))
        greeting = gate.admit(_greeting())
    assert (night.decision.reason.value, day.decision.reason.value) == ("quiet_hours", "allowed")
    assert greeting.channel is Channel.EMAIL
    state = LocalState.load(tmp_path)
    assert state is not None and state.dynamodb_endpoint is None  # the stack has stopped

    # When an operator asks why, in JSON
    assert main(["why", "--to", "+1 (212) 555-0123", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)

    # Then both decisions are there, oldest first, with zone, reason and policy version
    assert [(r["order_id"], r["action"], r["reason"]) for r in rows] == [
        ("A-1", "defer", "quiet_hours"),
        ("A-2", "send", "allowed"),
    ]
    assert rows[0]["zone"] == "America/New_York"
    assert rows[0]["local_time"].startswith("2026-11-18T21:30")
    assert rows[0]["policy_version"] == "us-tcpa@3"
    assert rows[0]["not_before"] is not None

    # And the table form says the same in one line per decision
    assert main(["why", "--to", PHONE]) == 0
    text = capsys.readouterr().out
    assert "DEFER" in text and "quiet_hours" in text and "order A-1" in text

    # And asked with both contacts, the greeting is there, by e-mail, with why not by text
    assert main(["why", "--to", PHONE, "--to", EMAIL, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    (row,) = [r for r in rows if r["kind"] == "birthday_greeting"]
    assert (row["channel"], row["action"]) == ("email", "send")
    assert "sms refused (no_consent" in row["channel_detail"]


def test_why_without_a_local_run_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["why", "--to", PHONE]) == 2
    assert "make demo" in capsys.readouterr().err


def test_why_refuses_a_contact_that_is_not_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["why", "--to", "not a contact"]) == 2
    assert "--to" in capsys.readouterr().err
