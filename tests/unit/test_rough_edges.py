"""Commands that used to end in a traceback now say what is wrong in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from courteous.cli import main
from courteous_local.serve import MAX_ADVANCE, advance_by


def test_eta_evaluate_on_a_history_too_short_to_learn_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = tmp_path / "tiny.csv"
    history.write_text(
        "shipped_at,delivered_at,carrier,origin,destination\n"
        "2026-11-01T10:00:00Z,2026-11-03T10:00:00Z,SF,CN-FJ,CN-SH\n"
    )
    assert main(["eta", "evaluate", "--history", str(history)]) == 0
    assert "too short to learn from" in capsys.readouterr().out


def test_why_refuses_a_limit_below_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["why", "--to", "+8613800138000", "--limit", "0"]) == 2
    assert capsys.readouterr().err.strip() == "courteous why: --limit must be 1 or more"


def test_demo_says_at_once_when_its_report_cannot_be_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert main(["demo", "--report", str(blocked / "report.html")]) == 2
    assert capsys.readouterr().err.startswith("courteous demo: --report: cannot write")


@pytest.mark.parametrize(
    "query,problem",
    [
        ({"hours": ["abc"]}, "hours: not a number"),
        ({"hours": ["-1"]}, "time only moves forward"),
        ({"minutes": ["nan"]}, "time only moves forward"),
        ({"hours": ["9000"]}, f"at most {MAX_ADVANCE.days} days"),
    ],
)
def test_the_local_clock_moves_forward_by_numbers_only(
    query: dict[str, list[str]], problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        advance_by(query)


def test_shop_validate_names_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text('{"reminder_delay": "soon", "max_apologies": 9}')
    assert main(["shop", "validate", "lotus-tea", "settings", str(settings)]) == 1
    err = capsys.readouterr().err
    assert "reminder_delay:" in err and "max_apologies:" in err
    settings.write_text('{"reminder_delay": "PT45M"}')
    assert main(["shop", "validate", "lotus-tea", "settings", str(settings)]) == 0
