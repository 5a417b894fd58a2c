"""What the flows ask of delivery estimates (learned per lane, see `courteous.eta`)."""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class DeliveryEstimate(Protocol):
    @property
    def date(self) -> dt.date: ...

    @property
    def latest(self) -> dt.date: ...


class Estimator(Protocol):
    def estimate(
        self,
        shop_id: str,
        carrier: str | None,
        origin_region: str | None,
        destination_country: str | None,
        destination_region: str | None,
        shipped_at: dt.datetime,
    ) -> DeliveryEstimate | None: ...

    def observe(
        self,
        shop_id: str,
        carrier: str | None,
        origin_region: str | None,
        destination_country: str | None,
        destination_region: str | None,
        shipped_at: dt.datetime,
        delivered_at: dt.datetime,
    ) -> object: ...


class NoEstimates:
    """No learned estimates: the shipping notice says nothing about a date."""

    def estimate(
        self,
        shop_id: str,
        carrier: str | None,
        origin_region: str | None,
        destination_country: str | None,
        destination_region: str | None,
        shipped_at: dt.datetime,
    ) -> DeliveryEstimate | None:
        return None

    def observe(
        self,
        shop_id: str,
        carrier: str | None,
        origin_region: str | None,
        destination_country: str | None,
        destination_region: str | None,
        shipped_at: dt.datetime,
        delivered_at: dt.datetime,
    ) -> None:
        return None
