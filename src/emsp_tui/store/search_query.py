"""What a station search asks for (:class:`SearchQuery`), apart from how it is run.

Its own module so that search.py and search_filters.py both read it without importing
each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

# Connector standards of one power class only; the others (Tesla) can be either.
DC_STANDARDS = frozenset({
    "CHADEMO", "CHAOJI", "GBT_DC", "IEC_62196_T1_COMBO", "IEC_62196_T2_COMBO",
    "PANTOGRAPH_BOTTOM_UP", "PANTOGRAPH_TOP_DOWN",
})  # fmt: skip
AC_ONLY_PREFIXES = ("DOMESTIC_", "IEC_60309_", "NEMA_")
AC_STANDARDS = frozenset(
    {"GBT_AC", "IEC_62196_T1", "IEC_62196_T2", "IEC_62196_T3A", "IEC_62196_T3C"}
)


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    near: tuple[float, float] | None = None  # (latitude, longitude)
    radius_km: float | None = None  # with `near`: a hard limit; None: grow until a page is found
    connectors: Sequence[str] = ()  # ConnectorType values; any of them
    min_kw: float | None = None
    power_type: str | None = None  # "AC" or "DC" (or a PowerType value)
    available_only: bool = False  # at least one matching EVSE is AVAILABLE
    open_now: bool = False
    now: datetime | None = None  # required with open_now: the clock is passed in
    operator: str | None = None  # operator name, any case
    party: str | tuple[str, str] | None = None  # "NL*ABC" or ("NL", "ABC")
    partner_id: int | None = None
    facilities: Sequence[str] = ()  # Facility values; all of them
    max_price: float | None = None  # energy price per kWh incl. VAT
    offset: int = 0
    limit: int = 20


def power_kind(value: str) -> str:
    kind = value.upper()
    if kind == "DC":
        return "dc"
    if kind == "AC" or kind.startswith("AC_"):
        return "ac"
    raise ValueError(f"unknown power type {value!r} (AC or DC)")


def _standard_kind(standard: str) -> str | None:
    if standard in DC_STANDARDS:
        return "dc"
    if standard in AC_STANDARDS or standard.startswith(AC_ONLY_PREFIXES):
        return "ac"
    return None


def price_kind(q: SearchQuery) -> str | None:
    """The power class ('ac', 'dc') whose price the query's filters ask about; None: any.

    The power type says it; else connectors that are all of one class do (CCS: DC). The
    max-price filter and the shown price then consider only that class's connectors.
    """
    if q.power_type:
        return power_kind(q.power_type)
    kinds = {_standard_kind(str(c)) for c in q.connectors}
    if len(kinds) == 1:
        return kinds.pop()
    return None


def price_column(q: SearchQuery) -> str:
    """The ``location_facets`` column of the query's price (see :func:`price_kind`)."""
    kind = price_kind(q)
    return f"energy_price_{kind}" if kind else "energy_price"
