"""Customer profiles from a CSV file (`courteous customers import FILE.csv`).

The file is UTF-8 (a byte-order mark is allowed), comma-separated, with a header row.
Columns (only `customer_id` is required; unknown columns are refused so that a typo in
a header is not silently ignored; an empty cell means "not known"):

| column          | example             | meaning                                          |
|-----------------|---------------------|--------------------------------------------------|
| customer_id     | 207119551           | the shop's id of the customer (never a contact)  |
| email           | bob@example.com     | e-mail address                                   |
| phone           | +1 502 625 1199     | phone; national numbers use `country`            |
| first_name      | Bob                 |                                                  |
| last_name       | Norman              |                                                  |
| locale          | en-US               | BCP 47 language tag                              |
| zone            | America/New_York    | IANA time zone                                   |
| birthday        | 1990-05-17 or 05-17 | year optional (`--05-17` also accepted)          |
| member_tier     | vip                 | non_member, member, senior, vip, top_vip         |
| country         | US                  | ISO 3166-1 alpha-2 of the address                |
| region          | KY                  | state / province                                 |
| preferred_channel | email             | sms or email: tried first when consent allows    |
| email_marketing | yes                 | consent per channel and class: yes/no/true/false |
| email_service   | yes                 | /1/0, empty = unknown                            |
| sms_marketing   | no                  |                                                  |
| sms_service     | yes                 |                                                  |

`read_profiles` keeps every good row and reports each bad one with its line number
and the column at fault.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from courteous.customers.store import UnstorableCustomerIdError, profile_key
from courteous.events.envelope import first_error
from courteous.events.models import Birthday, CustomerProfile
from courteous.messages import Channel, MessageClass

PROFILE_COLUMNS = (
    "customer_id",
    "email",
    "phone",
    "first_name",
    "last_name",
    "locale",
    "zone",
    "birthday",
    "member_tier",
    "country",
    "region",
    "preferred_channel",
)
CONSENT_COLUMNS: dict[str, tuple[Channel, MessageClass]] = {
    f"{channel.value}_{message_class.value}": (channel, message_class)
    for channel in Channel
    for message_class in (MessageClass.MARKETING, MessageClass.SERVICE)
}
COLUMNS = PROFILE_COLUMNS + tuple(CONSENT_COLUMNS)

_YES = frozenset({"yes", "y", "true", "1"})
_NO = frozenset({"no", "n", "false", "0"})
_BIRTHDAY = re.compile(r"^(?:(\d{4})-|--)?(\d{1,2})-(\d{1,2})$")


class HeaderError(ValueError):
    """The header row is missing or names a column that does not exist."""


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.column}: {self.message}"


@dataclass
class ImportReport:
    profiles: list[tuple[int, CustomerProfile]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class _CellError(ValueError):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


def _birthday(text: str) -> dict[str, int | None]:
    match = _BIRTHDAY.match(text)
    if not match:
        raise _CellError("birthday", f"not YYYY-MM-DD or MM-DD: {text!r}")
    year, month, day = match.groups()
    try:
        birthday = Birthday(month=int(month), day=int(day), year=int(year) if year else None)
    except ValidationError as exc:
        raise _CellError("birthday", first_error(exc).detail) from exc
    return birthday.model_dump()


def _consent(column: str, text: str) -> bool:
    word = text.lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise _CellError(column, f"expected yes or no, got {text!r}")


def _profile(row: dict[str, str]) -> CustomerProfile:
    values: dict[str, Any] = {
        name: row[name].strip()
        for name in PROFILE_COLUMNS
        if row.get(name) is not None and row[name].strip()
    }
    if "birthday" in values:
        values["birthday"] = _birthday(values["birthday"])
    if "member_tier" in values:
        values["member_tier"] = values["member_tier"].lower().replace("-", "_")
    if "preferred_channel" in values:
        values["preferred_channel"] = values["preferred_channel"].lower().replace("-", "")
    consent: dict[Channel, dict[MessageClass, bool]] = {}
    for column, (channel, message_class) in CONSENT_COLUMNS.items():
        text = (row.get(column) or "").strip()
        if text:
            consent.setdefault(channel, {})[message_class] = _consent(column, text)
    values["consent"] = consent
    try:
        return CustomerProfile.model_validate(values)
    except ValidationError as exc:
        error = first_error(exc)
        message = error.detail
        column = error.field.split(".")[0]
        if not column:
            # The phone check needs the country, so it runs on the whole row.
            column, _, rest = message.partition(": ")
            column, message = (column, rest) if column in PROFILE_COLUMNS else ("row", message)
        raise _CellError(column, message) from exc


def read_profiles(lines: Iterable[str]) -> ImportReport:
    """Profiles from CSV text lines; raises `HeaderError` for a bad header row."""
    reader = csv.DictReader(lines, restkey="\x00extra")
    header = [name.strip() for name in reader.fieldnames or []]
    if not header:
        raise HeaderError("the file is empty: expected a header row")
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise HeaderError(f"unknown column {unknown[0]!r}; columns are: {', '.join(COLUMNS)}")
    if "customer_id" not in header:
        raise HeaderError("the customer_id column is required")
    reader.fieldnames = header
    report = ImportReport()
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if "\x00extra" in row:
            report.errors.append(RowError(line, "row", "more cells than columns"))
            continue
        if not any((value or "").strip() for value in row.values()):
            continue  # a blank line
        try:
            profile = _profile(row)
        except _CellError as exc:
            report.errors.append(RowError(line, exc.column, str(exc)))
            continue
        try:
            profile_key("shop", profile.customer_id)
        except UnstorableCustomerIdError as exc:
            report.errors.append(RowError(line, "customer_id", exc.detail))
            continue
        if profile.customer_id in seen:
            report.errors.append(
                RowError(line, "customer_id", f"repeats line {seen[profile.customer_id]}")
            )
            continue
        seen[profile.customer_id] = line
        report.profiles.append((line, profile))
    return report


def read_profiles_from_bytes(data: bytes) -> ImportReport:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HeaderError(f"the file is not UTF-8 (byte {exc.start})") from exc
    return read_profiles(io.StringIO(text, newline=""))
