"""`courteous webhook verify|sign` as an operator uses it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from courteous.adapters.signatures import sign_generic, sign_shopify, sign_woocommerce
from courteous.cli import main
from tests.conftest import FIXTURES_DIR

WC_BODY = FIXTURES_DIR / "woocommerce" / "signature_vector" / "order_created_body.json"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_good_woocommerce_signature_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    signature = sign_woocommerce("wc_test_secret", WC_BODY.read_bytes())
    code, out, _ = run(
        capsys,
        "webhook", "verify", "--platform", "woocommerce", "--secret", "wc_test_secret",
        "--body", str(WC_BODY), "--signature", signature,
    )  # fmt: skip
    assert (code, out) == (0, "valid\n")


def test_a_wrong_secret_is_invalid_and_says_why(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    body = tmp_path / "body.json"
    body.write_bytes(b'{"id": 1}')
    code, out, _ = run(
        capsys,
        "webhook", "verify", "--platform", "shopify", "--secret", "wrong",
        "--body", str(body), "--signature", sign_shopify("right", b'{"id": 1}'),
    )  # fmt: skip
    assert code == 1
    assert out.startswith("invalid: x-shopify-hmac-sha256 does not match")


def test_generic_with_a_bare_hex_and_a_timestamp(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    body = tmp_path / "body.json"
    body.write_bytes(b"{}")
    t = int(time.time())
    hex_only = sign_generic("s", b"{}", t).split("v1=")[1]
    code, out, _ = run(
        capsys,
        "webhook", "verify", "--platform", "generic", "--secret", "s", "--body", str(body),
        "--signature", hex_only, "--timestamp", str(t),
    )  # fmt: skip
    assert (code, out) == (0, "valid\n")


def test_an_old_generic_signature_is_stale_unless_the_age_check_is_off(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    body = tmp_path / "body.json"
    body.write_bytes(b"{}")
    header = sign_generic("s", b"{}", 12345)
    args = ["webhook", "verify", "--platform", "generic", "--secret", "s", "--body", str(body)]
    code, out, _ = run(capsys, *args, "--signature", header)
    assert code == 1
    assert "tolerance" in out
    code, out, _ = run(capsys, *args, "--signature", header, "--max-age", "0")
    assert (code, out) == (0, "valid\n")


def test_sign_then_verify_round_trips(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    body = tmp_path / "body.json"
    body.write_bytes(b'{"a":1}')
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-a-file\n")
    common = ["--platform", "generic", "--secret-file", str(secret_file), "--body", str(body)]
    code, out, _ = run(capsys, "webhook", "sign", *common)
    assert code == 0
    code, out, _ = run(capsys, "webhook", "verify", *common, "--signature", out.strip())
    assert (code, out) == (0, "valid\n")


def test_a_missing_body_file_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(
        capsys,
        "webhook", "verify", "--platform", "shopify", "--secret", "s",
        "--body", str(tmp_path / "nope.json"), "--signature", "abc=",
    )  # fmt: skip
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "--body" in err
