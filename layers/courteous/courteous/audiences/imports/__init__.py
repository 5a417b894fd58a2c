"""Shops' order exports as words on orders: Shopify, WooCommerce, the canonical CSV.

`read_orders(lines, shop_id)` streams a CSV file (any iterable of text lines) and
yields, order by order, either an `Imported` order (its words and the line it starts
on) or a `RowError` (line, column, why); one bad order never stops the others. The
format is told by the header row, or named.
"""

from courteous.audiences.imports.common import (
    FORMATS,
    HeaderError,
    Imported,
    RowError,
    read_orders,
)

__all__ = ["FORMATS", "HeaderError", "Imported", "RowError", "read_orders"]
