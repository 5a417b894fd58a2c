"""`courteous decide` as an operator uses it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from courteous.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_late_night_reminder_is_deferred_to_the_local_morning(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        capsys,
        "decide",
        "--kind",
        "payment_reminder",
        "--to",
        "+86 138 0013 8000",
        "--at",
        "2026-11-22T23:30:00+08:00",
        "--json",
    )
    result = json.loads(out)
    assert code == 0
    assert result["action"] == "defer"
    assert result["reason"] == "quiet_hours"
    assert result["zone"] == "Asia/Shanghai"
    assert result["not_before"].startswith("2026-11-23T00:")
    assert result["not_before"].endswith("+00:00")


def test_history_fills_the_daily_cap(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    history = tmp_path / "history.json"
    history.write_text(
        json.dumps(
            [
                {"at": "2026-11-22T09:00:00Z", "kind": "payment_reminder"},
                {"at": "2026-11-22T10:00:00-05:00", "kind": "delivery_care"},
                {"at": "2026-11-22T16:00:00Z", "kind": "payment_reminder"},
            ]
        )
    )
    code, out, _ = run(
        capsys,
        "decide",
        "--kind",
        "payment_reminder",
        "--to",
        "+12125550123",
        "--at",
        "2026-11-22T21:00:00Z",
        "--history",
        str(history),
        "--json",
    )
    result = json.loads(out)
    assert (code, result["action"], result["reason"]) == (0, "defer", "frequency_cap")
    # the first send leaves the window at 09:00 UTC, 04:00 in New York: wait for 08:00
    assert "2026-11-23T13:00:00+00:00" <= result["not_before"] < "2026-11-23T13:30:00+00:00"


def test_opt_out_and_consent_flags(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(
        capsys,
        "decide",
        "--kind",
        "shipping_notice",
        "--to",
        "a@example.com",
        "--tz",
        "Europe/Paris",
        "--at",
        "2026-11-22T12:00:00Z",
        "--opted-out",
        "--json",
    )
    assert json.loads(out)["reason"] == "opted_out"
    _, out, _ = run(
        capsys,
        "decide",
        "--kind",
        "birthday_greeting",
        "--to",
        "a@example.com",
        "--tz",
        "Europe/Paris",
        "--at",
        "2026-11-20T12:00:00Z",
        "--no-consent",
        "marketing",
        "--json",
    )
    assert json.loads(out)["reason"] == "no_consent"
    _, out, _ = run(
        capsys,
        "decide",
        "--kind",
        "birthday_greeting",
        "--to",
        "a@example.com",
        "--tz",
        "Europe/Paris",
        "--at",
        "2026-11-20T12:00:00Z",
        "--json",
    )
    assert json.loads(out)["action"] == "send"


def test_expiry_before_the_next_allowed_instant_suppresses(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(
        capsys,
        "decide",
        "--kind",
        "payment_reminder",
        "--to",
        "+33612345678",
        "--at",
        "2026-11-20T22:30:00Z",
        "--expires",
        "2026-11-21T05:00:00Z",
        "--json",
    )
    result = json.loads(out)
    assert (result["action"], result["reason"]) == ("suppress", "expired")


def test_presets_and_policy_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _, out, _ = run(
        capsys,
        "decide",
        "--kind",
        "payment_reminder",
        "--to",
        "+13055550123",
        "--at",
        "2026-11-20T01:30:00Z",
        "--policy",
        "us-fl",
        "--json",
    )
    result = json.loads(out)
    assert (result["action"], result["policy_version"]) == ("defer", "us-fl@1")
    policy = tmp_path / "policy.json"
    policy.write_text(
        '{"name": "night-owls", "classes": {"service": {"quiet_hours": '
        '[{"start": "03:00", "end": "04:00"}]}}}'
    )
    _, out, _ = run(
        capsys,
        "decide",
        "--kind",
        "payment_reminder",
        "--to",
        "+13055550123",
        "--at",
        "2026-11-20T01:30:00Z",
        "--policy",
        str(policy),
        "--json",
    )
    assert json.loads(out)["action"] == "send"


def test_human_readable_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "decide",
        "--kind",
        "refund_ack",
        "--to",
        "+8613800138000",
        "--at",
        "2026-11-22T12:00:00+08:00",
    )
    assert code == 0
    assert out.startswith("send (allowed)")
    assert "Asia/Shanghai" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "spam", "--to", "+8613800138000"], "--kind: unknown kind 'spam'"),
        (["--kind", "refund_ack", "--to", "not a number"], "--to:"),
        (["--kind", "refund_ack", "--to", "+8613800138000", "--tz", "Mars/Base"], "--tz:"),
        (["--kind", "refund_ack", "--to", "+8613800138000", "--at", "yesterday"], "--at:"),
        (
            ["--kind", "refund_ack", "--to", "+8613800138000", "--at", "2026-11-22T10:00"],
            "needs a UTC offset",
        ),
        (["--kind", "refund_ack", "--to", "+8613800138000", "--policy", "nowhere"], "--policy:"),
        (
            ["--kind", "refund_ack", "--to", "+8613800138000", "--no-consent", "spam"],
            "unknown message class",
        ),
        (
            ["--kind", "refund_ack", "--to", "+8613800138000", "--history", "/nonexistent.json"],
            "--history:",
        ),
        (["--kind", "refund_ack"], "required: --to"),
    ],
)
def test_bad_arguments_exit_non_zero_with_one_line(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    try:
        code, out, err = run(capsys, "decide", *args)
    except SystemExit as exit_:
        code, err = int(exit_.code or 0), capsys.readouterr().err
        out = ""
    assert code != 0
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
