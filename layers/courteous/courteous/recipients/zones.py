"""Which time zone(s) a recipient lives in, and how we know.

Order of evidence (DESIGN.md, "Recipient time zone"): the profile's explicit zone, else
the phone number's zone data from libphonenumber, else the shipping address
(country, refined by the state/province where the country spans several zones), else
the shop's zone. Where the evidence allows several zones, the recipient may be in any
of them, so a message must be allowed in all of them.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
from phonenumbers import timezone as phone_timezone

from courteous.messages import Recipient


class ZoneSource(StrEnum):
    PROFILE = "profile"
    PHONE = "phone"
    ADDRESS = "address"
    SHOP = "shop"


@dataclass(frozen=True)
class ZoneResolution:
    zones: tuple[str, ...]
    source: ZoneSource

    @property
    def label(self) -> str:
        """One zone's name, or the first and a count: "Asia/Almaty (+15 more)"."""
        if len(self.zones) == 1:
            return self.zones[0]
        return f"{self.zones[0]} (+{len(self.zones) - 1} more)"


class UnknownZoneError(ValueError):
    pass


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_zone(name: str) -> str:
    """`name` if it is an IANA zone this machine knows; raises `UnknownZoneError`."""
    if name not in _known_zones():
        raise UnknownZoneError(f"unknown time zone: {name!r}")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UnknownZoneError(f"unknown time zone: {name!r}") from exc
    return name


@cache
def _country_zones() -> dict[str, tuple[str, ...]]:
    """Country code → zones, from the tz database's own zone.tab (shipped by tzdata)."""
    table: dict[str, list[str]] = {}
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8")
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        table.setdefault(fields[0], []).append(fields[2])
    return {country: tuple(zones) for country, zones in table.items()}


@cache
def _region_zones() -> dict[str, dict[str, tuple[str, ...]]]:
    raw = json.loads(
        resources.files("courteous.recipients").joinpath("region_zones.json").read_text("utf-8")
    )
    return {
        country: {region: tuple(zones) for region, zones in regions.items()}
        for country, regions in raw.items()
        if not country.startswith("_")
    }


@cache
def _zone_countries() -> dict[str, str]:
    return {zone: country for country, zones in _country_zones().items() for zone in zones}


def country_for_zone(zone: str) -> str | None:
    """The country a zone belongs to in zone.tab (None for "UTC" and the like)."""
    return _zone_countries().get(zone)


@functools.lru_cache(maxsize=4096)
def zones_for_phone(phone: str) -> tuple[str, ...]:
    """The zones libphonenumber knows for a number; empty when it knows none."""
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return ()
    zones = phone_timezone.time_zones_for_number(number)
    return tuple(zone for zone in zones if zone in _known_zones())


def zones_for_address(country: str, region: str | None) -> tuple[str, ...]:
    country = country.upper()
    if region:
        code = region.upper().removeprefix(f"{country}-")
        by_region = _region_zones().get(country, {})
        if code in by_region:
            return by_region[code]
    return _country_zones().get(country, ())


def resolve_zones(recipient: Recipient, shop_zone: str) -> ZoneResolution:
    if recipient.zone and recipient.zone in _known_zones():
        return ZoneResolution((recipient.zone,), ZoneSource.PROFILE)
    if recipient.phone:
        zones = zones_for_phone(recipient.phone)
        if zones:
            return ZoneResolution(zones, ZoneSource.PHONE)
    if recipient.country:
        zones = zones_for_address(recipient.country, recipient.region)
        if zones:
            return ZoneResolution(zones, ZoneSource.ADDRESS)
    return ZoneResolution((check_zone(shop_zone),), ZoneSource.SHOP)
