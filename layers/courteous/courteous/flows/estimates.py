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
        *,
        postal_code: str | None = None,
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
        *,
        postal_code: str | None = None,
        promised: dt.date | None = None,
    ) -> object:
        """Learn the transit and, when a date was promised, whether it was kept."""
        ...


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
        *,
        postal_code: str | None = None,
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
        *,
        postal_code: str | None = None,
        promised: dt.date | None = None,
    ) -> None:
        return None
