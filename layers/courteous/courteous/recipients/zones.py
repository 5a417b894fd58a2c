"""Which time zone(s) a recipient lives in, and how we know.

Order of evidence (DESIGN.md, "Recipient time zone"): the profile's explicit zone, else
the phone number, else the shipping address, else the shop's zone. Where the evidence
allows several zones the recipient may be in any of them, so a message must be allowed
in all of them; evidence that cannot narrow the country down gives all of the
country's zones, never fewer and never the shop's.

Phone numbers (libphonenumber's data, corrected by `data/phone_overlay.json`):
- a number that is not valid, but whose country code names countries, gives every zone
  of those countries;
- a number libphonenumber places nowhere below its country (a mobile or toll-free
  number in most countries: its place name is empty or the country's) gives every zone
  of the country;
- otherwise the zones of the longest known prefix of the number, together with the
  zones of every longer prefix under it: when the exact prefix is unknown the number
  may be any exchange of that area code.
A number that only tells its country yields to a shipping address inside that country.

Addresses: every zone observed in the state/province (GeoNames' populated places,
`data/geonames_regions.json`, built by `scripts/geonames_regions.py`), corrected by
`data/region_overlay.json`; a country without such a table, an unknown region or no
region gives every zone of the country (the tz database's zone.tab).
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import geocoder
from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX

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
        return zones_label(self.zones)


def zones_label(zones: Sequence[str]) -> str:
    """How zones are shown everywhere: one zone's name, or the first and a count
    ("Asia/Almaty (+15 more)"); "-" when none is known."""
    if not zones:
        return "-"
    if len(zones) == 1:
        return zones[0]
    return f"{zones[0]} (+{len(zones) - 1} more)"


class UnknownZoneError(ValueError):
    pass


def _tzdata_text(name: str) -> str:
    return resources.files("tzdata").joinpath("zoneinfo", name).read_text("utf-8")


def _data(name: str) -> Any:
    text = resources.files("courteous.recipients").joinpath("data", name).read_text("utf-8")
    return json.loads(text)


@cache
def _known_zones() -> frozenset[str]:
    """The zones the tz database names (tzdata's list: no "localtime", no "posixrules")."""
    text = resources.files("tzdata").joinpath("zones").read_text("utf-8")
    return frozenset(text.split())


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
def country_zones() -> dict[str, tuple[str, ...]]:
    """Country code → zones, from the tz database's own zone.tab (shipped by tzdata).

    Ordered by how many GeoNames places keep each zone, so the first is the one most
    people of the country live in (it names "the" zone in a message's local time).
    """
    table: dict[str, list[str]] = {}
    for line in _tzdata_text("zone.tab").splitlines():
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        table.setdefault(fields[0], []).append(fields[2])
    weight = _country_weights()
    return {
        country: tuple(sorted(zones, key=lambda zone: -weight[country][zone]))
        for country, zones in table.items()
    }


@cache
def _country_weights() -> dict[str, Counter[str]]:
    weights: dict[str, Counter[str]] = {}
    for country, regions in _observed().items():
        total: Counter[str] = Counter()
        for zones in regions.values():
            total.update(zones)
        weights[country] = total
    return _DefaultCounters(weights)


class _DefaultCounters(dict[str, Counter[str]]):
    def __missing__(self, key: str) -> Counter[str]:
        return Counter()


@cache
def _observed() -> dict[str, dict[str, dict[str, int]]]:
    raw: dict[str, Any] = _data("geonames_regions.json")
    return {country: regions for country, regions in raw.items() if not country.startswith("_")}


@cache
def region_zones() -> dict[str, dict[str, tuple[str, ...]]]:
    """Country → ISO 3166-2 region suffix → zones: observed, less refuted, plus added."""
    overlay = _data("region_overlay.json")
    refuted = {(line["region"], line["zone"]) for line in overlay["refute"]}
    table: dict[str, dict[str, list[str]]] = {}
    for country, regions in _observed().items():
        for region, counts in regions.items():
            ranked = sorted(counts, key=lambda zone: (-counts[zone], zone))
            kept = [z for z in ranked if (f"{country}-{region}", z) not in refuted]
            table.setdefault(country, {})[region] = kept
    for line in overlay["add"]:
        country, region = line["region"].split("-", 1)
        zones = table.setdefault(country, {}).setdefault(region, [])
        zones += [zone for zone in line["zones"] if zone not in zones]
    return {
        country: {region: tuple(zones) for region, zones in regions.items()}
        for country, regions in table.items()
    }


@cache
def _zone_countries() -> dict[str, str]:
    return {zone: country for country, zones in country_zones().items() for zone in zones}


def country_for_zone(zone: str) -> str | None:
    """The country a zone belongs to in zone.tab (None for "UTC" and the like)."""
    return _zone_countries().get(zone)


@cache
def _phone_prefixes() -> dict[str, tuple[str, ...]]:
    """libphonenumber's prefix → zones, with the overlay's corrections applied."""
    table = dict(TIMEZONE_DATA)
    for line in _data("phone_overlay.json")["prefixes"]:
        table[line["prefix"]] = tuple(line["zones"])
    return table


@cache
def _phone_places() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    return tuple(
        (line["country"], line["place_ends_with"], tuple(line["add"]))
        for line in _data("phone_overlay.json")["places"]
    )


@cache
def _prefixes_under(prefix: str) -> tuple[str, ...]:
    """Every zone of `prefix` and of the longer prefixes beneath it, in first-seen order."""
    table = _phone_prefixes()
    found: list[str] = list(table.get(prefix, ()))
    for key in sorted(table):
        if key.startswith(prefix) and key != prefix:
            found += [zone for zone in table[key] if zone not in found]
    return tuple(found)


def _zones_of_countries(regions: list[str]) -> tuple[str, ...]:
    found: list[str] = []
    for region in regions:
        found += [zone for zone in country_zones().get(region, ()) if zone not in found]
    return tuple(found)


def _known(zones: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(zone for zone in zones if zone in _known_zones())


def zones_for_phone(phone: str) -> tuple[str, ...]:
    """The zones a number's owner may be in (see the module's rules); empty when none."""
    return _phone_evidence(phone)[0]


@functools.lru_cache(maxsize=4096)
def _phone_evidence(phone: str) -> tuple[tuple[str, ...], bool]:
    """(zones, whether the number was placed below the country it belongs to)."""
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return (), False
    if not phonenumbers.is_valid_number(number):
        regions = phonenumbers.region_codes_for_country_code(number.country_code or 0)
        return _known(_zones_of_countries([r for r in regions if r != "001"])), False
    region = phonenumbers.region_code_for_number(number)
    if not region or region == "001":
        return (), False
    whole_country = country_zones().get(region, ())
    place = geocoder.description_for_number(number, "en")
    if len(whole_country) > 1 and place in ("", geocoder.country_name_for_number(number, "en")):
        return _known(whole_country), False
    digits = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)[1:]
    country_code = str(number.country_code)
    table = _phone_prefixes()
    for length in range(min(TIMEZONE_LONGEST_PREFIX, len(digits)), len(country_code), -1):
        if digits[:length] in table:
            zones = _prefixes_under(digits[:length])
            break
    else:
        # Nothing below the country code: the whole country, or libphonenumber's word.
        zones = whole_country or table.get(country_code, ())
    for country, ending, extra in _phone_places():
        if region == country and place.endswith(ending):
            zones = (*zones, *(zone for zone in extra if zone not in zones))
    return _known(zones), True


def zones_for_address(country: str, region: str | None) -> tuple[str, ...]:
    country = country.upper()
    if region:
        code = region.strip().upper().removeprefix(f"{country}-")
        by_region = region_zones().get(country, {})
        if code in by_region:
            return by_region[code]
    return country_zones().get(country, ())


def resolve_zones(recipient: Recipient, shop_zone: str) -> ZoneResolution:
    if recipient.zone and recipient.zone in _known_zones():
        return ZoneResolution((recipient.zone,), ZoneSource.PROFILE)
    address = zones_for_address(recipient.country, recipient.region) if recipient.country else ()
    if recipient.phone:
        zones, placed = _phone_evidence(recipient.phone)
        # A number that only tells its country yields to an address inside that country.
        if zones and (placed or not address or not set(address) <= set(zones)):
            return ZoneResolution(zones, ZoneSource.PHONE)
    if address:
        return ZoneResolution(address, ZoneSource.ADDRESS)
    return ZoneResolution((check_zone(shop_zone),), ZoneSource.SHOP)
