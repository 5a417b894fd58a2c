"""What every export parser shares: rows grouped into orders, cells checked, errors."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Protocol

from courteous.audiences.models import OrderFact, ProfileFact
from courteous.recipients.identity import InvalidContactError, normalise_email, normalise_phone


class HeaderError(ValueError):
    """The header row is missing, or is not that of a format this reads."""


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.column}: {self.message}"


@dataclass(frozen=True)
class Imported:
    """One order of the file: its words, the line it starts on, and what was set aside
    on the way (a contact that could not be read), said rather than dropped."""

    line: int
    words: tuple[OrderFact | ProfileFact, ...]
    notes: tuple[RowError, ...] = ()


class CellError(ValueError):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


@dataclass
class Row:
    """One CSV row by column name, and the line it came from."""

    line: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        return (self.cells.get(column) or "").strip()


@dataclass
class Cells:
    """Reading one order's cells, collecting what had to be set aside."""

    row: Row
    notes: list[RowError] = field(default_factory=list)

    def text(self, column: str) -> str | None:
        return self.row.get(column) or None

    def required(self, column: str) -> str:
        value = self.row.get(column)
        if not value:
            raise CellError(column, "is empty")
        return value

    def money(self, column: str, *, required: bool = False) -> Decimal | None:
        text = self.required(column) if required else self.row.get(column)
        if not text:
            return None
        try:
            value = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise CellError(column, f"not an amount: {text!r}") from None
        if not value.is_finite() or value < 0:
            raise CellError(column, f"not an amount: {text!r}")
        return value

    def currency(self, column: str) -> str:
        text = self.required(column).upper()
        if len(text) != 3 or not text.isalpha():
            raise CellError(column, f"not an ISO 4217 currency: {text!r}")
        return text

    def instant(
        self, column: str, parse: Callable[[str], datetime], *, required: bool = False
    ) -> datetime | None:
        text = self.required(column) if required else self.row.get(column)
        if not text:
            return None
        try:
            value = parse(text)
        except ValueError:
            raise CellError(column, f"not a date and time: {text!r}") from None
        return value

    def email(self, column: str) -> str | None:
        text = self.row.get(column)
        if not text:
            return None
        try:
            return normalise_email(text)
        except InvalidContactError as exc:
            self.notes.append(RowError(self.row.line, column, f"{exc}: set aside"))
            return None

    def phone(self, columns: Sequence[str], country: str | None) -> str | None:
        tried: set[str] = set()
        for column in columns:
            text = self.row.get(column)
            if not text or text in tried:
                continue
            tried.add(text)
            try:
                return normalise_phone(text.lstrip("'"), country)
            except InvalidContactError as exc:
                self.notes.append(RowError(self.row.line, column, f"{exc}: set aside"))
        return None

    def country(self, *columns: str) -> str | None:
        for column in columns:
            text = self.row.get(column).upper()
            if len(text) == 2 and text.isalpha():
                return text
        return None


class Format(Protocol):
    name: str

    def matches(self, header: Sequence[str]) -> bool: ...

    def check(self, header: Sequence[str]) -> None: ...

    def order_of(self, row: Row) -> str:
        """The cell that ties a line-item row to its order (consecutive rows)."""
        ...

    def read(self, rows: list[Row], shop_id: str) -> Imported: ...


def _formats(zone: str) -> dict[str, Format]:
    from courteous.audiences.imports.canonical import CanonicalFormat
    from courteous.audiences.imports.shopify import ShopifyFormat
    from courteous.audiences.imports.woocommerce import WooCommerceFormat

    return {
        "shopify": ShopifyFormat(),
        "woocommerce": WooCommerceFormat(zone),
        "canonical": CanonicalFormat(),
    }


FORMATS = ("shopify", "woocommerce", "canonical")


def read_orders(
    lines: Iterable[str], shop_id: str, format_name: str | None = None, zone: str = "UTC"
) -> Iterator[Imported | RowError]:
    """Orders from the CSV text `lines`; raises `HeaderError` for a bad header row.

    Rows of one order are consecutive (exports write an order's line items together);
    only one order's rows are held at a time, so memory does not grow with the file."""
    reader = csv.reader(lines)
    try:
        header = [name.strip().lstrip("\ufeff") for name in next(reader)]
    except StopIteration:
        raise HeaderError("the file is empty: expected a header row") from None
    formats = _formats(zone)
    if format_name is None:
        chosen = next((f for f in formats.values() if f.matches(header)), None)
        if chosen is None:
            raise HeaderError(
                "not a Shopify orders export, a WooCommerce orders export or the canonical "
                f"CSV (header starts {', '.join(header[:4])!r}); name one with --format"
            )
    else:
        chosen = formats[format_name]
    chosen.check(header)
    group: list[Row] = []
    key = None
    end = reader.line_num
    for cells in reader:
        # A quoted cell may span lines: the record starts after the previous one ended.
        line, end = end + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            if group:
                yield _read(chosen, group, shop_id)
                group, key = [], None
            yield RowError(line, "row", f"{len(cells)} cells for {len(header)} columns")
            continue
        row = Row(line, dict(zip(header, cells, strict=False)))
        this = chosen.order_of(row)
        if group and this != key:
            yield _read(chosen, group, shop_id)
            group = []
        group.append(row)
        key = this
    if group:
        yield _read(chosen, group, shop_id)


def _read(chosen: Format, rows: list[Row], shop_id: str) -> Imported | RowError:
    try:
        return chosen.read(rows, shop_id)
    except CellError as exc:
        return RowError(rows[0].line, exc.column, str(exc))
