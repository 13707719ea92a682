"""One Location, built deterministically from (seed, CPO, index) with its own random.Random.

Hot path: a benchmark pages through 300,000 of these, so the builder writes the JSON text
directly (constant parts such as operators, hours, energy mixes and capability lists are
encoded once at import) and keeps the number of random draws small. Everything else gets a
dict by parsing that text, so there is one source of truth. Free text from the catalogues is
embedded unescaped, which `_check_catalog` guarantees is safe. Tests validate the output against
the OpenAPI schemas.
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
from collections.abc import Sequence
from typing import Any, TypeVar

from ..clock import iso_second
from .catalog import CPOS, CpoSpec, tariff_ids
from .sites import (
    BRANDS,
    DIRECTIONS_WORDS,
    GARAGE_DIRECTIONS,
    KIND_WEIGHTS,
    NAMES,
    OWNER_BRANDS,
    SITE_KINDS,
    SiteKind,
)

T = TypeVar("T")
_KIND_CUMULATIVE = list(itertools.accumulate(KIND_WEIGHTS))

_GRID_MIX: dict[str, tuple[list[tuple[str, float]], list[tuple[str, float]]]] = {
    # country: (energy sources, environmental impact per kWh)
    "DE": (
        [("COAL", 24.0), ("GAS", 15.0), ("GENERAL_FOSSIL", 4.0), ("GENERAL_GREEN", 57.0)],
        [("CARBON_DIOXIDE", 363.0)],
    ),
    "NL": (
        [("GAS", 45.0), ("COAL", 8.0), ("NUCLEAR", 3.0), ("GENERAL_GREEN", 44.0)],
        [("CARBON_DIOXIDE", 290.0)],
    ),
    "FR": (
        [("NUCLEAR", 68.0), ("WATER", 11.0), ("WIND", 9.0), ("SOLAR", 5.0), ("GAS", 7.0)],
        [("CARBON_DIOXIDE", 32.0), ("NUCLEAR_WASTE", 0.0018)],
    ),
    "BE": (
        [("NUCLEAR", 41.0), ("GAS", 24.0), ("WIND", 19.0), ("SOLAR", 9.0), ("GENERAL_GREEN", 7.0)],
        [("CARBON_DIOXIDE", 150.0), ("NUCLEAR_WASTE", 0.0011)],
    ),
}


def location_id(cpo: CpoSpec, local: int) -> str:
    return f"{cpo.country_code}-{cpo.party_id}-{local:06d}"


class _Draw:
    """random.Random's draws without its Python-level overhead (randint/choice cost ~1 us each)."""

    __slots__ = ("random",)

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed).random

    def pick(self, options: Sequence[T]) -> T:
        return options[int(self.random() * len(options))]

    def between(self, low: int, high: int) -> int:
        return low + int(self.random() * (high - low + 1))

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self.random()


def _j(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _connector(
    cid: str,
    standard: str,
    fmt: str,
    power: str,
    volts: int,
    amps: int,
    watts: int,
    tariffs: str,
    ts: str,
) -> str:
    return (
        f'{{"id":"{cid}","standard":"{standard}","format":"{fmt}","power_type":"{power}",'
        f'"max_voltage":{volts},"max_amperage":{amps},"max_electric_power":{watts},'
        f'"tariff_ids":{tariffs},"last_updated":"{ts}"}}'
    )


def _dc_volts_amps(kw: int) -> tuple[int, int]:
    if kw <= 50:
        return 500, 125
    return (920, 200) if kw <= 150 else (920, 500)


# Capability lists as JSON, by (kind, flag): built once.
_CAPS = {
    "AC": _j(["RFID_READER", "REMOTE_START_STOP_CAPABLE", "UNLOCK_CAPABLE"]),
    "AC+R": _j(["RFID_READER", "REMOTE_START_STOP_CAPABLE", "UNLOCK_CAPABLE", "RESERVABLE"]),
    "AC-legacy": _j(["RFID_READER"]),
    "DC50": _j(["RFID_READER", "REMOTE_START_STOP_CAPABLE"]),
    "DC50+C": _j(["RFID_READER", "REMOTE_START_STOP_CAPABLE", "START_SESSION_CONNECTOR_REQUIRED"]),
    "HPC": _j(
        [
            "RFID_READER",
            "REMOTE_START_STOP_CAPABLE",
            "CREDIT_CARD_PAYABLE",
            "CONTACTLESS_CARD_SUPPORT",
        ]
    ),
}
_RESTRICTIONS = {True: _j(["CUSTOMERS"]), False: _j(["EV_ONLY"])}


def _evses(
    cpo: CpoSpec, local: int, site: SiteKind, rng: _Draw, base_epoch: int
) -> tuple[str, str | None]:
    """The `evses` array as JSON, and the garage floor (for the directions)."""
    ids = _TARIFF_IDS_JSON[cpo.party_id]
    kind = site.kind
    ac_tariff = ids[rng.pick(site.ac_tariffs)]
    dc_shape = rng.pick(site.dc_tariffs)
    plan: list[tuple[str, int]] = []  # ("AC"|"DC50"|"HPC", kW)
    if kind in ("motorway", "fasthub"):
        hpc_kw = 300 if rng.random() < 0.45 else 150
        plan += [("HPC", hpc_kw)] * rng.pick((2, 4, 4, 6, 8) if kind == "fasthub" else (2, 4, 6))
        if rng.random() < 0.5:
            plan.append(("DC50", 50))
        if kind == "motorway" and rng.random() < 0.3:
            plan.append(("AC", 22))
    else:
        ac_kw = 11 if kind in ("garage", "hotel") or rng.random() < 0.45 else 22
        count = {"garage": (2, 4, 6, 8), "street": (1, 2, 2, 2, 2, 4)}.get(kind, (2, 2, 4))
        plan += [("AC", ac_kw)] * rng.pick(count)
        if kind in ("supermarket", "station") and rng.random() < 0.4:
            plan.append(("DC50", 50))
        if kind == "mall":
            plan += [("HPC", 150)] * 2
    legacy = rng.random() < 0.05  # an old AC pole without remote start
    reservable = rng.random() < 0.3
    connector_required = rng.random() < 0.3
    floor = rng.pick(("-1", "-2", "0")) if kind == "garage" else None
    floor_json = f',"floor_level":"{floor}"' if floor is not None else ""
    # Connectors date from the installation; EVSE statuses changed more recently.
    conn_ts = iso_second(base_epoch - rng.between(30 * 86400, 400 * 86400))
    evse_ts = iso_second(base_epoch - rng.between(600, 20 * 86400))
    uid_prefix = f"{cpo.country_code}-{cpo.party_id}-{local:06d}-"
    emi3_prefix = f"{cpo.country_code}*{cpo.party_id}*E{local}*"
    restrictions = _RESTRICTIONS[kind in ("supermarket", "hotel")]
    dc_tariff = ids["DC-POWER+ADHOC"] if dc_shape == "DC-POWER" else ids[dc_shape]
    evses = []
    for n, (kind_of, kw) in enumerate(plan, start=1):
        if kind_of == "AC":
            connectors = _connector(
                "1",
                "IEC_62196_T2",
                "SOCKET",
                "AC_3_PHASE",
                230,
                16 if kw == 11 else 32,
                kw * 1000,
                ac_tariff,
                conn_ts,
            )
            caps = _CAPS["AC-legacy" if legacy else "AC+R" if reservable else "AC"]
        elif kind_of == "DC50":
            tariff = ids[dc_shape]
            connectors = (
                _connector(
                    "1", "IEC_62196_T2_COMBO", "CABLE", "DC", 500, 125, 50000, tariff, conn_ts
                )
                + ","
                + _connector("2", "CHADEMO", "CABLE", "DC", 500, 125, 50000, tariff, conn_ts)
            )
            caps = _CAPS["DC50+C" if connector_required else "DC50"]
        else:
            volts, amps = _dc_volts_amps(kw)
            connectors = _connector(
                "1", "IEC_62196_T2_COMBO", "CABLE", "DC", volts, amps, kw * 1000, dc_tariff, conn_ts
            )
            caps = _CAPS["HPC"]
        r = rng.random()  # mostly AVAILABLE
        status = (
            "AVAILABLE"
            if r < 0.86
            else "CHARGING"
            if r < 0.935
            else "OUTOFORDER"
            if r < 0.97
            else "UNKNOWN"
        )
        evses.append(
            f'{{"uid":"{uid_prefix}{n}","evse_id":"{emi3_prefix}{n}","status":"{status}",'
            f'"capabilities":{caps},"connectors":[{connectors}],"physical_reference":"{n}"{floor_json},'
            f'"parking_restrictions":{restrictions},"last_updated":"{evse_ts}"}}'
        )
    return "[" + ",".join(evses) + "]", floor


def _weekly(days: range, begin: str, end: str) -> str:
    return _j(
        {
            "twentyfourseven": False,
            "regular_hours": [
                {"weekday": d, "period_begin": begin, "period_end": end} for d in days
            ],
        }
    )


_HOURS = {
    "24/7": _j({"twentyfourseven": True}),
    "shop": _weekly(range(1, 7), "07:00", "22:00"),
    "mall": _weekly(range(1, 7), "09:00", "21:00"),
    "garage": _weekly(range(1, 8), "06:00", "23:30"),
}


def _hours(site: SiteKind, rng: _Draw) -> tuple[str, bool | None]:
    """(opening_times as JSON, charging_when_closed)."""
    if site.hours in ("shop", "mall"):
        return _HOURS[site.hours], False
    if site.hours == "garage" and rng.random() < 0.5:
        return _HOURS["garage"], True
    return _HOURS["24/7"], None


def _mixes(cpo: CpoSpec) -> tuple[str, str]:
    """(green contract, the country's grid mix) as JSON."""
    green = {
        "is_green_energy": True,
        "energy_sources": [
            {"source": "WIND", "percentage": 70.0},
            {"source": "SOLAR", "percentage": 30.0},
        ],
        "supplier_name": cpo.green_supplier,
        "energy_product_name": "100% Wind & Sonne" if cpo.country.language == "de" else "Green 100",
    }
    sources, impact = _GRID_MIX[cpo.country_code]
    grid = {
        "is_green_energy": False,
        "energy_sources": [{"source": s, "percentage": p} for s, p in sources],
        "environ_impact": [{"category": c, "amount": a} for c, a in impact],
        "supplier_name": cpo.supplier,
    }
    return _j(green), _j(grid)


_MIXES = {c.party_id: _mixes(c) for c in CPOS}
_OPERATORS = {c.party_id: _j({"name": c.name, "website": c.website}) for c in CPOS}
_TARIFF_IDS_JSON = {
    c.party_id: {
        **{shape: _j([tid]) for shape, tid in tariff_ids(c).items()},
        "DC-POWER+ADHOC": _j([tariff_ids(c)["DC-POWER"], tariff_ids(c)["ADHOC"]]),
    }
    for c in CPOS
}
_FACILITIES: dict[tuple[str, ...], str] = {}


def _facilities(names: tuple[str, ...]) -> str:
    found = _FACILITIES.get(names)
    if found is None:
        found = _FACILITIES[names] = _j(list(names))
    return found


def _check_text(*texts: str) -> None:
    """Free text is embedded in JSON without escaping: keep quotes and controls out of the data."""
    for text in texts:
        if '"' in text or "\\" in text or not text.isprintable():
            raise ValueError(f"generator text needs JSON escaping: {text!r}")


def build_location_json(cpo: CpoSpec, seed: int, cpo_no: int, local: int, epoch: int) -> str:
    """The `local`-th Location of `cpo` as JSON text; `epoch` is its last_updated (seconds).

    Built as text (no dict, no encoder): this is the hot path of a 300,000-location crawl.
    """
    rng = _Draw((seed & 0xFFFFFFFF) << 32 | cpo_no << 26 | local)
    country = cpo.country
    city = rng.pick(country.cities)
    site = SITE_KINDS[bisect.bisect(_KIND_CUMULATIVE, rng.random() * _KIND_CUMULATIVE[-1])]
    lang = country.language
    lat = city.lat + rng.uniform(-city.spread, city.spread)
    lon = city.lon + rng.uniform(-city.spread, city.spread) * 1.5
    address = country.address(rng)
    street = address.rsplit(" ", 1)[0] if not country.number_first else address.split(" ", 1)[1]
    template = rng.pick(NAMES[lang][site.kind])
    name = template.format(
        street=street, city=city.name, dir=rng.pick(DIRECTIONS_WORDS[lang]), brand=BRANDS[lang]
    )
    evses, floor = _evses(cpo, local, site, rng, epoch)
    hours, when_closed = _hours(site, rng)
    facilities = site.facilities
    if site.kind == "street" and rng.random() < 0.3:
        facilities = (*facilities, rng.pick(("BUS_STOP", "TRAM_STOP", "CAFE")))
    postal_code = country.postal_code(city, rng)
    parts = [
        f'{{"country_code":"{cpo.country_code}","party_id":"{cpo.party_id}",'
        f'"id":"{cpo.country_code}-{cpo.party_id}-{local:06d}","publish":true,"name":"{name}",'
        f'"address":"{address}","city":"{city.name}","postal_code":"{postal_code}",'
        f'"country":"{country.alpha3}","coordinates":{{"latitude":"{lat:.6f}","longitude":"{lon:.6f}"}},'
        f'"parking_type":"{rng.pick(site.parking)}","evses":{evses},'
        f'"operator":{_OPERATORS[cpo.party_id]},"time_zone":"{country.time_zone}",'
        f'"opening_times":{hours},"last_updated":"{iso_second(epoch)}"'
    ]
    if facilities:
        parts.append(f',"facilities":{_facilities(facilities)}')
    if when_closed is not None:
        parts.append(',"charging_when_closed":' + ("true" if when_closed else "false"))
    if site.kind in OWNER_BRANDS:
        parts.append(f',"owner":{{"name":"{OWNER_BRANDS[site.kind][lang]}"}}')
    if site.kind == "garage":
        text = GARAGE_DIRECTIONS[lang].format(street=street, floor=floor or "0")
        parts.append(f',"directions":[{{"language":"{lang}","text":"{text}"}}]')
    r = rng.random()
    if r >= 0.1:  # not every CPO publishes a mix for every site
        green, grid = _MIXES[cpo.party_id]
        parts.append(f',"energy_mix":{green if r < 0.1 + 0.9 * cpo.green_share else grid}')
    parts.append("}")
    return "".join(parts)


def build_location(cpo: CpoSpec, seed: int, cpo_no: int, local: int, epoch: int) -> dict[str, Any]:
    """The same Location as a dict (object GETs, runtime changes, tests)."""
    loaded: dict[str, Any] = json.loads(build_location_json(cpo, seed, cpo_no, local, epoch))
    return loaded


def _check_catalog() -> None:
    from .sites import NAMES as names

    for country in {c.country for c in CPOS}:
        _check_text(*(c.name for c in country.cities), *country.streets)
    for by_kind in names.values():
        for templates in by_kind.values():
            _check_text(*templates)
    _check_text(
        *BRANDS.values(),
        *DIRECTIONS_WORDS["de"],
        *DIRECTIONS_WORDS["nl"],
        *DIRECTIONS_WORDS["fr"],
        *GARAGE_DIRECTIONS.values(),
        *(n for o in OWNER_BRANDS.values() for n in o.values()),
    )


_check_catalog()
