"""The README's first command, asserted decision by decision.

The week scenario runs once on the local stack (DynamoDB Local, moto's server, every
resource from template.yaml, handlers in-process, a virtual clock); each test reads
one expectation off what the gate decided and what the webhook API answered.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from courteous.cli import main
from courteous_local.decisions import DecisionRow
from courteous_local.demo import DemoResult, decisions_json, load_scenario, run_demo
from courteous_local.inprocess import function_logs_to

pytestmark = pytest.mark.e2e


LOGS: list[str] = []


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoResult]:
    root = tmp_path_factory.mktemp("demo")
    said: list[str] = []
    stream = io.StringIO()
    with function_logs_to(stream), contextlib.redirect_stderr(stream):
        result = run_demo(
            load_scenario("week"),
            state_root=root,
            report_path=root / "report.html",
            say=said.append,
            progress=said.append,
        )
    LOGS.append(stream.getvalue())
    yield result


def rows(demo: DemoResult, kind: str, order: str | None = None) -> list[DecisionRow]:
    return [r for r in demo.rows if r.kind == kind and (order is None or r.order_id == order)]


def who(demo: DemoResult, row: DecisionRow) -> str:
    return demo.labels[row.recipient_key]


def test_nothing_is_sent_inside_any_recipients_quiet_hours(demo: DemoResult) -> None:
    assert demo.quiet_hour_sends() == []
    assert any(r.reason == "quiet_hours" for r in demo.rows)  # and the night was tested


def test_no_function_failed(demo: DemoResult) -> None:
    assert demo.failures == []


def test_the_forged_webhook_is_refused_and_changes_nothing(demo: DemoResult) -> None:
    forged = [d for d in demo.deliveries if d.note == "forged signature"]
    assert [d.status for d in forged] == [401]
    assert "signature" in forged[0].body.lower()
    # Jon's order was paid at checkout: the forged copy made no reminder either
    assert rows(demo, "payment_reminder", "820001") == []


def test_the_duplicated_webhook_sends_one_shipping_notice(demo: DemoResult) -> None:
    duplicated = [
        d for d in demo.deliveries if d.topic == "fulfillments/create" and d.shop == "hudson-goods"
    ]
    assert [d.status for d in duplicated] == [202, 202]
    notices = rows(demo, "shipping_notice", "820001")
    assert [(r.action, r.reason) for r in notices] == [("send", "allowed")]


def test_the_tiny_order_gets_no_reminder(demo: DemoResult) -> None:
    assert rows(demo, "payment_reminder", "450789002") == []


def test_the_late_night_order_is_reminded_in_the_morning(demo: DemoResult) -> None:
    reminders = rows(demo, "payment_reminder", "450789001")
    assert [(r.action, r.reason) for r in reminders] == [
        ("defer", "quiet_hours"),
        ("send", "allowed"),
    ]
    sent = reminders[-1]
    assert 8 <= sent.local_time.hour < 9  # 08:00 plus the spread, in Shanghai


def test_the_vip_who_paid_gets_no_second_reminder(demo: DemoResult) -> None:
    reminders = rows(demo, "payment_reminder", "450789003")
    paid_at = datetime(2026, 11, 17, 8, 10, tzinfo=UTC)
    assert [(r.action, r.reason) for r in reminders] == [("send", "allowed")]
    assert reminders[0].at < paid_at
    assert all(r.at < paid_at for r in rows(demo, "payment_reminder") if "Li Wei" in who(demo, r))


def test_the_late_parcel_gets_its_apologies_and_no_more_than_two(demo: DemoResult) -> None:
    apologies = [r for r in rows(demo, "parcel_delay", "3001") if r.action == "send"]
    assert len(apologies) == 2
    assert all("Maria" in who(demo, r) for r in apologies)
    # Florida: 08:00-20:00 only
    assert all(8 <= r.local_time.hour < 20 for r in apologies)


def test_delivered_parcels_get_no_apology(demo: DemoResult) -> None:
    for order in ("820001", "450789003", "5001"):
        assert rows(demo, "parcel_delay", order) == []


def test_the_refund_asked_at_night_is_acknowledged_in_the_morning(demo: DemoResult) -> None:
    acks = rows(demo, "refund_ack", "4001")
    assert [(r.action, r.reason) for r in acks] == [("defer", "quiet_hours"), ("send", "allowed")]
    assert acks[-1].local_time.hour == 8


def test_birthdays_in_two_zones_on_the_same_utc_day_are_greeted_in_each_zone(
    demo: DemoResult,
) -> None:
    greetings = [r for r in rows(demo, "birthday_greeting") if r.action == "send"]
    assert sorted(who(demo, r) for r in greetings) == ["Claire Martin [sms]", "Li Wei (VIP) [sms]"]
    for row in greetings:
        assert (row.local_time.month, row.local_time.day) == (11, 19)
        assert 10 <= row.local_time.hour < 20


def test_the_opt_out_is_honoured_for_marketing(demo: DemoResult) -> None:
    care = rows(demo, "delivery_care", "820001")
    assert [(r.action, r.reason) for r in care] == [("suppress", "no_consent")]


def test_a_number_with_several_zones_waits_until_every_zone_is_open(demo: DemoResult) -> None:
    care = [r for r in rows(demo, "delivery_care", "5001") if r.action == "send"]
    assert len(care) == 1
    assert len(care[0].zones) > 1
    for zone in care[0].zones:
        local = care[0].at.astimezone(ZoneInfo(zone))
        assert 8 <= local.hour < 21


def test_the_report_and_the_json_carry_every_decision(demo: DemoResult) -> None:
    assert demo.report is not None
    html = demo.report.read_text(encoding="utf-8")
    assert "<svg" in html and "quiet" in html
    listed = decisions_json(demo)
    assert len(listed) == len(demo.rows)
    for item in listed:
        assert {"kind", "action", "reason", "at", "local_time", "zone", "order_id"} <= set(item)
        assert item["at"].endswith("Z")


def test_why_answers_for_a_recipient_after_the_run(
    demo: DemoResult, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert demo.report is not None
    monkeypatch.chdir(Path(demo.report).parent)
    assert main(["why", "--to", "+8613700137000", "--json"]) == 0
    trail = json.loads(capsys.readouterr().out)
    assert [(r["kind"], r["action"], r["reason"]) for r in trail] == [
        ("payment_reminder", "defer", "quiet_hours"),
        ("payment_reminder", "send", "allowed"),
    ]


def test_the_whole_scenarios_logs_hold_no_phone_number_or_e_mail_address(
    demo: DemoResult,
) -> None:
    (logs,) = LOGS
    assert '"gate decision"' in logs  # the functions did log, as JSON lines
    scenario = load_scenario("week")
    for person in scenario.people.values():
        for contact in (person.phone, person.email):
            if contact:
                assert contact not in logs
                assert contact.lstrip("+") not in logs
    assert re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", logs) == []


def test_the_demo_command_prints_only_the_decisions_with_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # When the README's demo runs with --json
    monkeypatch.chdir(tmp_path)
    code = main(["demo", "--json", "--report", str(tmp_path / "report.html")])
    captured = capsys.readouterr()
    # Then stdout is one JSON list (progress and the functions' logs are elsewhere)
    assert code == 0
    decisions = json.loads(captured.out)
    assert len(decisions) >= 15 and all("reason" in d for d in decisions)
    assert "A week at five shops" in captured.err
    assert (tmp_path / "demo-functions.log").read_text(encoding="utf-8").count("{") > 10


def test_the_demo_shows_each_customers_segment(demo: DemoResult) -> None:
    # Then every person of the scenario has a line: their facts from the order events
    # and, for buyers, the cell the stack's own daily recompute scored
    assert [row["who"] for row in demo.segments] == [
        person.label for person in demo.scenario.people.values()
    ]
    buyers = [row for row in demo.segments if row["purchases"]]
    assert buyers and all(row["orders"] >= row["purchases"] for row in demo.segments)
    assert all(row["rfm"] and row["scored_as_of"] for row in buyers)
    li_wei = next(row for row in demo.segments if row["who"].startswith("Li Wei"))
    assert li_wei["spent"] == {"CNY": "2576.00"}
