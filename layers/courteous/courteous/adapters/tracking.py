"""Tracking links of WooCommerce's Shipment Tracking extension, formatted as it does.

The extension stores each shipment in the order's `_wc_shipment_tracking_items` meta:
either a predefined provider (`tracking_provider`, the provider's name or its
WordPress slug, e.g. "usps", "australia-post") whose public tracking URL comes from
the extension's own provider table, or a custom provider with `custom_tracking_link`.
Both are PHP `sprintf` templates: `%1$s` the tracking number, `%2$s` the shipping
postcode (normalised and URL-encoded), `%3$s` the shipping country, `%4$s` the order
id (`WC_Shipment_Tracking_Actions::get_formatted_tracking_link`). The table is
`shipment_tracking_providers.json` beside this module, with its source.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from importlib.resources import files
from urllib.parse import quote

_PLACEHOLDER = re.compile(r"%(?:(\d)\$s|%)")


def wp_slug(name: str) -> str:
    """WordPress's `sanitize_title` for a provider name ("DPD.co.uk" -> "dpd-co-uk")."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    text = text.lower().replace(".", "-")
    text = re.sub(r"[^a-z0-9 _-]", "", text)
    text = re.sub(r"\s+", "-", text)
    return re.sub(r"-+", "-", text).strip("-")


@cache
def providers() -> dict[str, tuple[str, str]]:
    """Provider name or slug -> (the provider's name, its link template)."""
    table = json.loads(
        files("courteous.adapters").joinpath("shipment_tracking_providers.json").read_text("utf-8")
    )
    found: dict[str, tuple[str, str]] = {}
    for group in table["providers"].values():
        for name, template in group.items():
            found.setdefault(name, (name, template))
            found.setdefault(wp_slug(name), (name, template))
            found.setdefault(name.lower(), (name, template))
    return found


def predefined(provider: str) -> tuple[str, str] | None:
    """(name, template) of a predefined provider as stored in an order, if known."""
    key = provider.strip()
    table = providers()
    return table.get(key) or table.get(key.lower()) or table.get(wp_slug(key))


def _postcode(postcode: str | None) -> str:
    # wc_normalize_postcode: upper case, no spaces or hyphens; then rawurlencode.
    return quote(re.sub(r"[\s-]", "", (postcode or "").strip().upper()), safe="")


def format_link(
    template: str, number: str, postcode: str | None, country: str | None, order_id: str
) -> str | None:
    """The template filled in as the extension's `sprintf` would; None unless http(s)."""
    values = {
        "1": quote(number, safe=""),
        "2": _postcode(postcode),
        "3": quote((country or "").strip(), safe=""),
        "4": quote(order_id, safe=""),
    }

    def fill(match: re.Match[str]) -> str:
        return "%" if match.group(1) is None else values.get(match.group(1), "")

    link = _PLACEHOLDER.sub(fill, template.strip())
    return link if link.startswith(("https://", "http://")) else None
