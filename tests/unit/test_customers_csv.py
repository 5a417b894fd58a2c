"""`courteous customers import`: good rows kept, bad rows reported with their line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from courteous.cli import main
from courteous.customers.csv_import import HeaderError, read_profiles, read_profiles_from_bytes
from courteous.events import MemberTier
from courteous.messages import Channel, MessageClass

HEADER = (
    "customer_id,email,phone,first_name,zone,birthday,member_tier,"
    "country,region,sms_marketing,email_marketing"
)
ROWS = [
    "207119551,Bob.Norman@Mail.Example.com,(502) 625-1199,Bob,America/Kentucky/Louisville,"
    "1990-05-17,VIP,us,KY,no,yes",
    "207119552,,+33 6 12 34 56 78,Alice,Europe/Paris,02-29,member,FR,,yes,",
    "207119553,carol@example.com,,Carol,Mars/Olympus,,,,,,",
    "207119554,dave@example.com,,Dave,,1991-02-29,,,,,",
    "207119555,erin@example.com,,Erin,,,gold,,,,",
    "207119556,frank@example.com,,Frank,,,,,,maybe,",
    "",
    "207119557,grace@example.com,12,Grace,,,,US,,,",
    "207119551,bob2@example.com,,Bob,,,,,,,",
    "bob@example.com,bob@example.com,,Bob,,,,,,,",
]
GOOD_AND_BAD = "\n".join([HEADER, *ROWS]) + "\n"


def test_good_rows_are_kept_and_bad_rows_name_line_and_column() -> None:
    # Given a file with two good rows and several bad ones
    report = read_profiles(GOOD_AND_BAD.splitlines(keepends=True))
    # Then the good rows become profiles, normalised
    assert [line for line, _ in report.profiles] == [2, 3]
    bob = report.profiles[0][1]
    assert bob.email == "bob.norman@mail.example.com"
    assert bob.phone == "+15026251199"
    assert bob.member_tier is MemberTier.VIP
    assert (bob.birthday.month, bob.birthday.day, bob.birthday.year) == (5, 17, 1990)  # type: ignore[union-attr]
    assert bob.consent == {
        Channel.SMS: {MessageClass.MARKETING: False},
        Channel.EMAIL: {MessageClass.MARKETING: True},
    }
    alice = report.profiles[1][1]
    assert alice.birthday is not None and (alice.birthday.month, alice.birthday.day) == (2, 29)
    assert alice.phone == "+33612345678"
    # And each bad row is reported with its line number and column (the blank line 8 is
    # skipped)
    assert [(e.line, e.column) for e in report.errors] == [
        (4, "zone"),
        (5, "birthday"),
        (6, "member_tier"),
        (7, "sms_marketing"),
        (9, "phone"),
        (10, "customer_id"),
        (11, "customer_id"),
    ]
    assert str(report.errors[1]).startswith("line 5: birthday: day 29 does not exist")
    assert "repeats line 2" in str(report.errors[5])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("email,phone\n", "customer_id column is required"),
        ("customer_id,birth_day\n1,05-17\n", "unknown column 'birth_day'"),
    ],
)
def test_a_bad_header_stops_the_import(text: str, message: str) -> None:
    with pytest.raises(HeaderError, match=message):
        read_profiles(text.splitlines(keepends=True))


def test_a_byte_order_mark_and_crlf_are_fine() -> None:
    data = "\ufeffcustomer_id,birthday\r\n42,--12-24\r\n".encode()
    report = read_profiles_from_bytes(data)
    assert report.errors == []
    assert report.profiles[0][1].birthday is not None


def test_a_row_with_too_many_cells_is_reported() -> None:
    report = read_profiles(["customer_id,email\n", "1,a@example.com,extra\n"])
    assert [(e.line, e.column) for e in report.errors] == [(2, "row")]


def test_not_utf8_is_refused_whole() -> None:
    with pytest.raises(HeaderError, match="not UTF-8"):
        read_profiles_from_bytes(b"customer_id\n\xff\xfe\n")


def test_dry_run_reports_without_writing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Given the file, checked with --dry-run (no table, no AWS)
    path = tmp_path / "customers.csv"
    path.write_text(GOOD_AND_BAD, encoding="utf-8")
    code = main(["customers", "import", str(path), "--shop", "acme-shop", "--dry-run"])
    out, err = capsys.readouterr()
    # Then it says what it would do and lists the bad rows, exit 1 because some are bad
    assert code == 1
    assert out == "would import 2 profiles, rejected 7 rows\n"
    assert err.splitlines()[0].startswith("line 4: zone: ")


def test_a_missing_file_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["customers", "import", str(tmp_path / "no.csv"), "--shop", "s", "--dry-run"])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.count("\n") == 1


def test_without_a_table_the_import_says_how_to_name_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CUSTOMER_TABLE_NAME", raising=False)
    path = tmp_path / "customers.csv"
    path.write_text("customer_id\n1\n", encoding="utf-8")
    code = main(["customers", "import", str(path), "--shop", "acme-shop"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "CUSTOMER_TABLE_NAME" in err


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from(list("customer_id,email,birthday,zone\n\r\"'@+-0123456789 é")),
        max_size=300,
    )
)
def test_any_text_is_a_report_or_a_header_error(text: str) -> None:
    # Whatever the file holds, the import answers with rows or a header error, never a crash
    try:
        report = read_profiles_from_bytes(text.encode())
    except HeaderError:
        return
    lines = {line for line, _ in report.profiles} | {error.line for error in report.errors}
    assert all(line >= 2 for line in lines)


def test_a_preferred_channel_is_read_and_a_wrong_one_named() -> None:
    text = "customer_id,email,preferred_channel\n1,a@example.com,E-mail\n2,b@example.com,fax\n"
    report = read_profiles(text.splitlines(keepends=True))
    ((line, profile),) = report.profiles
    assert line == 2 and profile.preferred_channel is Channel.EMAIL
    (error,) = report.errors
    assert (error.line, error.column) == (3, "preferred_channel")
