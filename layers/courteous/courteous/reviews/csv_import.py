"""Review exports (CSV) to `ReviewPosted` events.

Two shapes are read, told apart by the header row:

- Olist's `olist_order_reviews_dataset.csv`: review_id, order_id, review_score,
  review_comment_title, review_comment_message, review_creation_date,
  review_answer_timestamp. Its instants have no offset: they are read in the zone
  given (`zone`, e.g. America/Sao_Paulo); its texts have no language tag (`language`,
  e.g. pt-BR). `review_answer_timestamp` is when the buyer answered the survey and is
  not used.
- The project's own columns: review_id (required), rating (required, 1-5), posted_at
  (required, ISO 8601), text, title, order_id, order_number, product_id,
  product_title, customer_id, email, phone, first_name, country, language.

A column outside the shape is refused as a header error (a typo would otherwise drop
a column silently). A bad row is reported with its line number and first bad field;
every good row is kept.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from courteous.events.models import OrderCustomer, ReviewPosted

OLIST_COLUMNS = (
    "review_id",
    "order_id",
    "review_score",
    "review_comment_title",
    "review_comment_message",
    "review_creation_date",
    "review_answer_timestamp",
)
OWN_COLUMNS = (
    "review_id",
    "rating",
    "posted_at",
    "text",
    "title",
    "order_id",
    "order_number",
    "product_id",
    "product_title",
    "customer_id",
    "email",
    "phone",
    "first_name",
    "country",
    "language",
)
_OWN_REQUIRED = ("review_id", "rating", "posted_at")
_CUSTOMER_COLUMNS = ("customer_id", "email", "phone", "first_name", "country")


class HeaderError(ValueError):
    """The file's header is not one of the shapes read here."""


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


@dataclass
class ImportReport:
    reviews: list[tuple[int, ReviewPosted]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    shape: str = ""


def _instant(text: str, zone: ZoneInfo | None, name: str) -> datetime:
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        if zone is None:
            raise ValueError(f"{name} has no UTC offset; give the zone it is in")
        value = value.replace(tzinfo=zone)
    return value


def _clean(row: dict[str, str | None]) -> dict[str, str]:
    return {key: (value or "").strip() for key, value in row.items() if key is not None}


def _olist(
    row: dict[str, str], shop_id: str, zone: ZoneInfo | None, language: str | None
) -> ReviewPosted:
    review_id, order_id = row["review_id"], row["order_id"]
    posted_at = _instant(row["review_creation_date"], zone, "review_creation_date")
    return ReviewPosted(
        event_id=f"csv:{review_id}:{order_id}",
        shop_id=shop_id,
        occurred_at=posted_at,
        review_id=review_id,
        order_id=order_id or None,
        rating=int(row["review_score"]),
        title=row["review_comment_title"] or None,
        text=row["review_comment_message"],
        language=language,
        posted_at=posted_at,
    )


def _own(
    row: dict[str, str], shop_id: str, zone: ZoneInfo | None, language: str | None
) -> ReviewPosted:
    for name in _OWN_REQUIRED:
        if not row.get(name):
            raise ValueError(f"{name} is required")
    posted_at = _instant(row["posted_at"], zone, "posted_at")
    customer = OrderCustomer.model_validate(
        {name: row[name] for name in _CUSTOMER_COLUMNS if row.get(name)}
    )
    return ReviewPosted(
        event_id=f"csv:{row['review_id']}",
        shop_id=shop_id,
        occurred_at=posted_at,
        review_id=row["review_id"],
        order_id=row.get("order_id") or None,
        order_number=row.get("order_number") or None,
        product_id=row.get("product_id") or None,
        product_title=row.get("product_title") or None,
        customer=customer,
        rating=int(row["rating"]),
        title=row.get("title") or None,
        text=row.get("text", ""),
        language=row.get("language") or language,
        posted_at=posted_at,
    )


def read_reviews(
    lines: Iterable[str],
    shop_id: str,
    *,
    zone: str | None = None,
    language: str | None = None,
) -> ImportReport:
    """Every good row as a `ReviewPosted` (with its line number), and every bad one."""
    reader = csv.DictReader(lines)
    header = [name.strip() for name in (reader.fieldnames or [])]
    if not header:
        raise HeaderError("the file is empty (no header row)")
    report = ImportReport()
    allowed: tuple[str, ...]
    if "review_score" in header:
        report.shape, allowed, build = "olist", OLIST_COLUMNS, _olist
        missing = [name for name in OLIST_COLUMNS[:6] if name not in header]
    else:
        report.shape, allowed, build = "courteous", OWN_COLUMNS, _own
        missing = [name for name in _OWN_REQUIRED if name not in header]
    unknown = [name for name in header if name not in allowed]
    if unknown:
        raise HeaderError(f"unknown column {unknown[0]!r} (columns: {', '.join(allowed)})")
    if missing:
        raise HeaderError(f"missing column {missing[0]!r}")
    tz = ZoneInfo(zone) if zone else None
    for row in _rows(reader):
        line, values = row
        try:
            report.reviews.append((line, build(values, shop_id, tz, language)))
        except ValidationError as exc:
            first = exc.errors(include_url=False, include_input=False)[0]
            where = ".".join(str(part) for part in first["loc"]) or "row"
            report.errors.append(RowError(line, where, str(first["msg"])))
        except ValueError as exc:
            report.errors.append(RowError(line, "row", str(exc)))
    return report


def _rows(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str, str]]]:
    for row in reader:
        yield reader.line_num, _clean({key.strip() if key else key: v for key, v in row.items()})


def read_reviews_from_bytes(
    data: bytes, shop_id: str, *, zone: str | None = None, language: str | None = None
) -> ImportReport:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HeaderError(f"not UTF-8 (byte {exc.start})") from exc
    return read_reviews(io.StringIO(text, newline=""), shop_id, zone=zone, language=language)
