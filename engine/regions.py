"""Shanxi province administrative divisions (GB/T 2260) and minimum-wage classes.

The data lives in ``engine/data/shanxi_regions.json`` (province, 11 prefecture-level
cities, 117 county-level units) and ``engine/data/minimum_wage.json`` (monthly
minimum wage per wage class).  Both files are owned by the project; see their
``source`` fields for provenance.

Terminology: every county-level unit (区, 县 or county-level 市) is called a
"county" here, and every prefecture-level city a "city".

Standard library only; no Pyramid imports.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = ["Region", "RegionTable", "load_regions"]

PROVINCE = "province"
CITY = "city"
COUNTY = "county"
# What a jurisdiction of each level is called (a reviewer's level, a transition's reviewer_levels).
LEVEL_LABELS = {PROVINCE: "省级", CITY: "市级", COUNTY: "县级"}

_REGIONS_FILE = "shanxi_regions.json"
_WAGE_FILE = "minimum_wage.json"


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str  # "province" | "city" | "county"
    parent: str | None
    wage_class: int | None


def _check_code(code: Any, what: str) -> str:
    if not isinstance(code, str) or len(code) != 6 or not code.isdigit():
        raise ValueError(f"{what}: code must be a 6-digit string, got {code!r}")
    return code


def _check_name(name: Any, what: str) -> str:
    if not isinstance(name, str) or not name or name != name.strip():
        raise ValueError(f"{what}: name must be a non-empty string without surrounding whitespace, got {name!r}")
    return name


class RegionTable:
    """Lookup table over one province's cities and counties.

    Build it with :func:`load_regions` (cached) rather than directly; the
    constructor takes the already-parsed JSON documents so tests can feed it
    hand-made data.
    """

    province: Region

    def __init__(self, regions: dict[str, Any], wages: dict[str, Any]) -> None:
        classes = wages.get("classes")
        if not isinstance(classes, dict) or not classes:
            raise ValueError("minimum wage data: 'classes' must be a non-empty object")
        self._wage_by_class: dict[int, int] = {}
        for key, amount in classes.items():
            if not str(key).isdigit() or isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
                raise ValueError(f"minimum wage data: bad class {key!r}: {amount!r}")
            self._wage_by_class[int(key)] = amount

        prov = regions.get("province") or {}
        p_code = _check_code(prov.get("code"), "province")
        if not p_code.endswith("0000"):
            raise ValueError(f"province code must end in 0000, got {p_code}")
        self.province = Region(p_code, _check_name(prov.get("name"), "province"), PROVINCE, None, None)

        self._by_code: dict[str, Region] = {p_code: self.province}
        self._cities: list[Region] = []
        self._counties_by_city: dict[str, list[Region]] = {}

        for city in regions.get("cities") or []:
            c_code = _check_code(city.get("code"), "city")
            if c_code[:2] != p_code[:2] or not c_code.endswith("00") or c_code == p_code:
                raise ValueError(f"city {c_code} is not a prefecture-level code of province {p_code}")
            if c_code in self._by_code:
                raise ValueError(f"duplicate code {c_code}")
            c_region = Region(c_code, _check_name(city.get("name"), c_code), CITY, p_code, None)
            self._by_code[c_code] = c_region
            self._cities.append(c_region)

            counties: list[Region] = []
            for county in city.get("counties") or []:
                k_code = _check_code(county.get("code"), f"county of {c_code}")
                if k_code[:4] != c_code[:4] or k_code.endswith("00"):
                    raise ValueError(f"county {k_code} does not belong to city {c_code}")
                if k_code.endswith("01"):
                    raise ValueError(f"county {k_code} is a 市辖区 placeholder, not a county-level unit")
                if k_code in self._by_code:
                    raise ValueError(f"duplicate code {k_code}")
                wage_class = county.get("wage_class")
                valid_class = isinstance(wage_class, int) and not isinstance(wage_class, bool)
                if not valid_class or wage_class not in self._wage_by_class:
                    raise ValueError(f"county {k_code}: unknown wage_class {wage_class!r}")
                k_region = Region(k_code, _check_name(county.get("name"), k_code), COUNTY, c_code, wage_class)
                self._by_code[k_code] = k_region
                counties.append(k_region)
            counties.sort(key=lambda r: r.code)
            self._counties_by_city[c_code] = counties

        self._cities.sort(key=lambda r: r.code)
        self._all_counties = [k for c in self._cities for k in self._counties_by_city[c.code]]

    # -- listing -----------------------------------------------------------

    def cities(self) -> list[Region]:
        return list(self._cities)

    def counties(self, city_code: str) -> list[Region]:
        """Counties of a city, in code order; [] for an unknown city."""
        return list(self._counties_by_city.get(city_code, [])) if isinstance(city_code, str) else []

    def all_counties(self) -> list[Region]:
        return list(self._all_counties)

    # -- lookup ------------------------------------------------------------

    def get(self, code: str) -> Region | None:
        return self._by_code.get(code) if isinstance(code, str) else None

    def _level(self, code: Any, level: str) -> Region | None:
        region = self.get(code)
        return region if region is not None and region.level == level else None

    def is_city(self, code: Any) -> bool:
        return self._level(code, CITY) is not None

    def is_county(self, code: Any) -> bool:
        return self._level(code, COUNTY) is not None

    def county_in_city(self, county_code: Any, city_code: Any) -> bool:
        county = self._level(county_code, COUNTY)
        return county is not None and county.parent == city_code

    def contains(self, jurisdiction_code: Any, county_code: Any) -> bool:
        """Whether a jurisdiction covers a county.

        The province contains every county, a city its own counties, a county
        only itself.  False when either code is unknown or ``county_code`` is
        not a county.
        """
        county = self._level(county_code, COUNTY)
        jurisdiction = self.get(jurisdiction_code)
        if county is None or jurisdiction is None:
            return False
        if jurisdiction.level == PROVINCE:
            return True
        if jurisdiction.level == CITY:
            return county.parent == jurisdiction.code
        return county.code == jurisdiction.code

    def city_of(self, county_code: Any) -> Region | None:
        county = self._level(county_code, COUNTY)
        return self._by_code[county.parent] if county is not None and county.parent else None

    def minimum_wage(self, county_code: Any) -> int | None:
        """Monthly minimum wage (元) for a county; None for anything that is not a county."""
        county = self._level(county_code, COUNTY)
        if county is None or county.wage_class is None:
            return None
        return self._wage_by_class[county.wage_class]

    def label(self, code: Any) -> str:
        """"太原市 小店区" for a county, "太原市" for a city, "山西省" for the province, "" if unknown."""
        region = self.get(code)
        if region is None:
            return ""
        if region.level == COUNTY:
            return f"{self._by_code[region.parent].name} {region.name}"
        return region.name

    def find_by_name(self, name: Any, city_code: str | None = None) -> Region | None:
        """Exact-name lookup, for imported text such as "小店区".

        Surrounding whitespace in ``name`` is ignored; otherwise the match is
        exact.  With ``city_code`` only that city's counties are searched (None
        for an unknown city).  Without it, counties are searched first, then
        city names, then the province name.  A name shared by several counties
        (e.g. "城区" in 阳泉市 and 晋城市) is ambiguous without ``city_code``
        and gives None.
        """
        if not isinstance(name, str):
            return None
        name = name.strip()
        if not name:
            return None
        if city_code is not None:
            matches = [k for k in self.counties(city_code) if k.name == name]
            return matches[0] if len(matches) == 1 else None
        matches = [k for k in self._all_counties if k.name == name]
        if matches:
            return matches[0] if len(matches) == 1 else None
        for city in self._cities:
            if city.name == name:
                return city
        return self.province if self.province.name == name else None


def _read_json(filename: str) -> Any:
    resource = resources.files("engine") / "data" / filename
    with resource.open("r", encoding="utf-8") as fh:
        return json.load(fh)


@functools.cache
def load_regions() -> RegionTable:
    """The project's Shanxi region table (read once, then cached)."""
    return RegionTable(_read_json(_REGIONS_FILE), _read_json(_WAGE_FILE))
