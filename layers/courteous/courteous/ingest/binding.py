"""Which store may post for a shop: the delivery's source against the shop's settings.

A signature proves the sender knows the secret, not which shop it speaks for: a
Shopify app signs every shop's webhooks with its one client secret, and two shops may
be given the same secret by mistake. So the shop of the URL must also be the store
the delivery says it comes from: `X-Shopify-Shop-Domain` must be the shop's
`shopify_domain`, `X-WC-Webhook-Source` its `woocommerce_site_url`. A shop that did
not configure the value for a platform accepts nothing from it. Generic deliveries
name their shop in the signed body (`detail.shop_id`), which the adapter checks.
"""

from __future__ import annotations

from collections.abc import Mapping

from courteous.errors import PermanentError
from courteous.events.models import Platform
from courteous.flows.settings import ShopSettings, normalise_site_url

SHOPIFY_SHOP_HEADER = "x-shopify-shop-domain"
WOOCOMMERCE_SOURCE_HEADER = "x-wc-webhook-source"


class WrongShopError(PermanentError):
    """The delivery is not from the store configured for the shop of the URL."""

    def __init__(self, reason: str, field: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


def check_source(settings: ShopSettings, platform: Platform, headers: Mapping[str, str]) -> None:
    """Raises `WrongShopError` unless the delivery comes from the shop's own store."""
    if platform is Platform.SHOPIFY:
        expected = settings.shopify_domain
        given = (headers.get(SHOPIFY_SHOP_HEADER) or "").strip().lower()
        if expected is None:
            raise WrongShopError("the shop has no shopify_domain configured", SHOPIFY_SHOP_HEADER)
        if given != expected:
            raise WrongShopError(
                f"{SHOPIFY_SHOP_HEADER} is not the shop's Shopify domain", SHOPIFY_SHOP_HEADER
            )
    elif platform is Platform.WOOCOMMERCE:
        site = settings.woocommerce_site_url
        if site is None:
            raise WrongShopError(
                "the shop has no woocommerce_site_url configured", WOOCOMMERCE_SOURCE_HEADER
            )
        try:
            source = normalise_site_url(headers.get(WOOCOMMERCE_SOURCE_HEADER) or "")
        except ValueError:
            source = None
        if source != site:
            raise WrongShopError(
                f"{WOOCOMMERCE_SOURCE_HEADER} is not the shop's WooCommerce site",
                WOOCOMMERCE_SOURCE_HEADER,
            )
