"""Build `Unsubscribes` from settings and boto3 clients (no AWS call until used)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from courteous.flows.settings import SettingsSourceError, ShopSettingsError, ShopSettingsSource
from courteous.gate.settings import GateSettings, contact_key
from courteous.gate.store import GateStore
from courteous.unsubscribe.service import Unsubscribes


def build_unsubscribes(settings: GateSettings, client: Callable[[str], Any]) -> Unsubscribes:
    ssm = client("ssm")
    shops = ShopSettingsSource(ssm)

    def shop_name(shop_id: str) -> str:
        # The page names the shop when its settings say how; a missing or broken
        # parameter must not stop anyone from unsubscribing.
        try:
            return shops(shop_id).shop_name
        except (ShopSettingsError, SettingsSourceError):
            return shop_id

    return Unsubscribes(
        GateStore(client("dynamodb"), settings.gate_table_name),
        contact_key(settings, ssm),
        shop_name,
    )
