"""Review exports to ReviewPosted: Olist's file as it is, and the project's own columns."""

from __future__ import annotations

import csv
import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from courteous.cli import main
from courteous.reviews.csv_import import HeaderError, read_reviews, read_reviews_from_bytes
from courteous.reviews.evaluate import auc, in_training_part, youden_threshold
from tests.conftest import FIXTURES_DIR

OLIST = FIXTURES_DIR / "reviews" / "olist_reviews_header_and_rows.csv"
LABELS = FIXTURES_DIR / "reviews" / "olist_hidden_complaints" / "labels.csv"


def test_olists_export_is_read_as_it_is() -> None:
    # Given the first rows of Olist's review file (naive instants, no language)
    data = OLIST.read_bytes()
    # When it is read for a shop in São Paulo's zone, in Portuguese
    report = read_reviews_from_bytes(data, "olist", zone="America/Sao_Paulo", language="pt-BR")
    # Then every row is a ReviewPosted for its order, at its local instant
    assert report.shape == "olist" and report.errors == []
    (_, first), (_, second) = report.reviews
    assert first.review_id == "373cbeecea8286a2b66c97b1b157ec46"
    assert first.order_id == "583174fbe37d3d5f0d6661be3aad1786"
    assert (first.rating, first.title, first.text) == (1, "Não chegou meu produto", "Péssimo")
    assert first.posted_at == datetime(2018, 8, 15, tzinfo=ZoneInfo("America/Sao_Paulo"))
    assert first.language == "pt-BR"
    assert second.text == "" and second.rating == 5


def test_naive_instants_without_a_zone_are_rejected_row_by_row() -> None:
    report = read_reviews_from_bytes(OLIST.read_bytes(), "olist")
    assert report.reviews == []
    assert [error.line for error in report.errors] == [2, 3]
    assert "give the zone" in str(report.errors[0])


def test_the_projects_own_columns_carry_the_reviewer() -> None:
    lines = [
        "review_id,rating,posted_at,text,order_id,email,phone,country,language\n",
        "r1,4,2026-11-20T10:00:00+01:00,Bien mais lent,o1,A@Example.com,06 12 34 56 78,FR,fr\n",
        "r2,9,2026-11-20T10:00:00+01:00,,o2,,,,\n",
        "r3,5,,x,o3,,,,\n",
    ]
    report = read_reviews(lines, "paris-shop")
    ((line, review),) = report.reviews
    assert line == 2
    assert review.customer.email == "a@example.com"
    assert review.customer.phone == "+33612345678"
    assert review.language == "fr"
    assert [(e.line, e.field) for e in report.errors] == [(3, "rating"), (4, "row")]


def test_an_unknown_column_is_a_header_error() -> None:
    with pytest.raises(HeaderError, match="unknown column 'stars'"):
        read_reviews(["review_id,stars,posted_at\n"], "s")


def test_the_import_command_checks_a_file_without_posting(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given Olist's rows and --dry-run
    status = main(
        [
            "reviews",
            "import",
            str(OLIST),
            "--shop",
            "olist",
            "--zone",
            "America/Sao_Paulo",
            "--dry-run",
        ]
    )
    # Then it says what it would post and posts nothing
    assert status == 0
    assert "would post 2 reviews (olist columns), rejected 0 rows" in capsys.readouterr().out


def test_the_import_command_answers_a_bad_zone_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(["reviews", "import", str(OLIST), "--shop", "olist", "--zone", "Mars/Base"])
    assert status == 2
    assert capsys.readouterr().err.strip() == (
        "courteous reviews: --zone: not an IANA time zone: 'Mars/Base'"
    )


def test_the_labelled_set_follows_its_rule() -> None:
    # The labels are of 4-5 star reviews of the scored part only, each once
    with LABELS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    ids = [row["review_id"] for row in rows]
    assert len(rows) == 240 and len(set(ids)) == 240
    assert all(row["rating"] in ("4", "5") for row in rows)
    assert all(row["hidden_complaint"] in ("0", "1") for row in rows)
    assert not any(in_training_part(review_id) for review_id in ids)
    # and in the order the rule fixes (by sha256 of "label:" + id)
    keys = [hashlib.sha256(f"label:{review_id}".encode()).hexdigest() for review_id in ids]
    assert keys == sorted(keys)


def test_auc_and_the_youden_threshold() -> None:
    assert auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75
    assert auc([0.5, 0.5], [0, 1]) == 0.5
    assert youden_threshold([0.1, 0.2, 0.7, 0.9], [0, 0, 1, 1]) == pytest.approx(0.45)
