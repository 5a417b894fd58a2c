"""`courteous orders import` and `courteous segments`: bad input is one line and an exit
status, before anything is read or written."""

from __future__ import annotations

from pathlib import Path

import pytest

from courteous.cli import main
from tests.conftest import FIXTURES_DIR


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().err.strip()


def test_a_bad_query_is_refused_naming_the_field(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, "segments", "count", "tierr in (vip)", "--shop", "s")
    assert code == 2
    assert err.startswith("courteous segments: query: at 1: unknown field 'tierr'")
    assert "\n" not in err


def test_a_bad_value_is_refused_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, "segments", "sample", "rfm = sleepy", "--shop", "s")
    assert code == 2 and "rfm: 'sleepy' is not one of champions" in err


def test_a_missing_file_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, err = run(capsys, "orders", "import", str(tmp_path / "none.csv"), "--shop", "s")
    assert (
        code == 2 and err == f"courteous orders: {tmp_path / 'none.csv'}: No such file or directory"
    )


def test_a_bad_shop_or_zone_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    export = str(FIXTURES_DIR / "shopify" / "orders_export" / "devstore_orders_export_1.csv")
    code, err = run(capsys, "orders", "import", export, "--shop", "no shop!")
    assert code == 2 and "--shop: not a shop id" in err
    code, err = run(capsys, "orders", "import", export, "--shop", "s", "--zone", "Mars/Base")
    assert code == 2 and "--zone: not an IANA time zone" in err


def test_a_dry_run_reports_bad_rows_by_line_and_writes_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    export = FIXTURES_DIR / "shopify" / "orders_export" / "refunds_and_cancellations.csv"
    code = main(["orders", "import", str(export), "--shop", "s", "--dry-run", "--no-progress"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "line 12: Total: not an amount: 'abc'" in err
    assert "line 13: Email: the order names no e-mail address or phone" in err
    assert "6 orders read" in out and "nothing written (dry run)" in out


def test_a_file_of_no_known_format(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("when,who\n1,2\n", encoding="utf-8")
    code, err = run(capsys, "orders", "import", str(path), "--shop", "s", "--dry-run")
    assert code == 2 and "not a Shopify orders export" in err


def test_a_file_that_is_not_utf8(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(
        b"order_id,created_at,total,currency,email\n1,2026-01-01T00:00:00Z,1,EUR,\xe9@x.fr\n"
    )
    code, err = run(capsys, "orders", "import", str(path), "--shop", "s", "--dry-run")
    assert code == 2 and "not UTF-8" in err
