"""`courteous decide` as an operator uses it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
        "--consent",
        "marketing",
        "--json",
    )
    assert json.loads(out)["action"] == "send"


def test_marketing_without_a_recorded_yes_is_suppressed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given nothing said about consent: service is implied by the order, marketing is not
    base = ["decide", "--to", "a@example.com", "--tz", "Europe/Paris"]
    base += ["--at", "2026-11-20T12:00:00Z", "--json"]
    _, out, _ = run(capsys, *base, "--kind", "birthday_greeting")
    assert json.loads(out)["reason"] == "no_consent"
    _, out, _ = run(capsys, *base, "--kind", "payment_reminder")
    assert json.loads(out)["action"] == "send"
    _, out, _ = run(capsys, *base, "--kind", "payment_reminder", "--no-consent", "service")
    assert json.loads(out)["reason"] == "no_consent"


def test_the_same_command_answers_the_same_and_request_id_moves_the_spread(
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = ["decide", "--kind", "payment_reminder", "--to", "+8613800138000"]
    base += ["--at", "2026-11-22T23:30:00+08:00", "--json"]
    first = json.loads(run(capsys, *base)[1])
    again = json.loads(run(capsys, *base)[1])
    assert first["not_before"] == again["not_before"]
    assert first["request_id"] == again["request_id"]
    spreads = {
        json.loads(run(capsys, *base, "--request-id", f"order-{i:04d}")[1])["not_before"]
        for i in range(8)
    }
    assert len(spreads) > 1
    pinned = json.loads(run(capsys, *base, "--request-id", "order-0001")[1])
    assert (
        pinned["not_before"]
        == json.loads(run(capsys, *base, "--request-id", "order-0001")[1])["not_before"]
    )


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
            "--no-consent: unknown message class",
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


NANP = ["--kind", "birthday_greeting", "--to", "+13055551234"]


def files(tmp_path: Path) -> dict[str, Path]:
    made = {
        "huge_window": '{"caps": [{"name": "x", "classes": ["marketing"], '
        '"window": "P999999D", "limit": 1}]}',
        "huge_gap": '{"min_gap": "P999999999D"}',
        "bare_gap": '{"min_gap": 3600}',
        "extends_list": '{"extends": ["fr"]}',
        "extends_object": '{"extends": {"name": "fr"}}',
        "history_unknown_kind": '[{"at": "2026-11-20T10:00:00Z", "kind": "spam"}]',
        "history_year_one": '[{"at": "0001-01-01T00:00:00Z", "kind": "payment_reminder"}]',
        "history_object": '{"at": "2026-11-20T10:00:00Z"}',
    }
    paths = {}
    for name, text in made.items():
        paths[name] = tmp_path / f"{name}.json"
        paths[name].write_text(text, encoding="utf-8")
    for name, raw in {
        "latin1": b'{"name": "caf\xe9"}',
        "deep": b"[" * 100_000 + b"]" * 100_000,
    }.items():
        paths[name] = tmp_path / f"{name}.json"
        paths[name].write_bytes(raw)
    return paths


# (arguments, with {name} for a file above; what the one line must say)
BAD_INPUTS = [
    (["--at", "0001-01-01T00:00:00Z"], "--at: '0001-01-01T00:00:00Z' is outside"),
    (["--at", "9999-12-31T23:59:59Z"], "--at: '9999-12-31T23:59:59Z' is outside"),
    (["--at", "9999-12-31T23:00:00-14:00"], "--at:"),
    (["--at", ""], "--at: empty"),
    (["--not-before", ""], "--not-before: empty"),
    (["--expires", "0001-01-01T00:00:00Z"], "--expires:"),
    (["--tz", ""], "--tz: unknown time zone: ''"),
    (["--tz", "localtime"], "--tz: unknown time zone: 'localtime'"),
    (["--shop", ""], "--shop:"),
    (["--shop", "s" * 200], "--shop:"),
    (["--country", ""], "--country:"),
    (["--region", ""], "--region: empty"),
    (["--dedupe-key", " "], "--dedupe-key: empty"),
    (["--class", ""], "--class: unknown message class"),
    (["--request-id", "short"], "--request-id:"),
    (["--consent", "marketing", "--no-consent", "marketing"], "both name marketing"),
    (["--consent", "spam"], "--consent: unknown message class"),
    (["--policy", "{huge_window}"], "--policy: invalid policy: caps.0.window"),
    (["--policy", "{huge_gap}"], "--policy: invalid policy: min_gap"),
    (["--policy", "{bare_gap}"], "min_gap: Value error, a duration is ISO 8601 text"),
    (["--policy", "{extends_list}"], "--policy: extends: the name of one preset"),
    (["--policy", "{extends_object}"], "--policy: extends: the name of one preset"),
    (["--policy", "{latin1}"], "--policy:"),
    (["--policy", "{deep}"], "nested too deeply"),
    (["--history", "{latin1}"], "--history:"),
    (["--history", "{deep}"], "--history:"),
    (["--history", "{history_unknown_kind}"], "--history entry 0: unknown kind 'spam'"),
    (["--history", "{history_year_one}"], "--history entry 0:"),
    (["--history", "{history_object}"], "--history: a JSON list"),
]


@pytest.mark.parametrize(("extra", "message"), BAD_INPUTS)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, extra: list[str], message: str
) -> None:
    # Given a command with one bad input
    paths = files(tmp_path)
    args = [arg.format(**paths) if arg.startswith("{") else arg for arg in extra]
    # When it runs
    try:
        code, out, err = run(capsys, "decide", *NANP, *args)
    except SystemExit as exit_:
        code, err, out = int(exit_.code or 0), capsys.readouterr().err, ""
    # Then it answers with one line naming the input, exit status 2, and no traceback
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


# What the `courteous` console script runs.
ENTRY_POINT = "import sys; from courteous.cli import main; sys.exit(main(sys.argv[1:]))"


def test_output_to_a_closed_pipe_is_one_line_and_exit_2() -> None:
    # Given a reader that left before anything was written (`| head` that is done)
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = subprocess.run(
            [sys.executable, "-c", ENTRY_POINT, "decide", *NANP, "--json"],
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(writer)
    assert done.returncode == 2
    assert done.stderr.strip() == "courteous decide: output closed before it was all written"
