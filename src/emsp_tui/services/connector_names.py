"""Connector names as drivers say them ("CCS", "Type 2", "Schuko") and as OCPI spells them.

One table for every face: the command line's ``--connector`` and the app's connector filter
resolve a name here to the OCPI ``ConnectorType`` values it stands for. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..ocpi.enums import ConnectorType

# Driver name -> the OCPI standards it covers. The first spelling is the one we print.
DRIVER_NAMES: dict[str, tuple[str, ...]] = {
    "CCS": ("IEC_62196_T2_COMBO", "IEC_62196_T1_COMBO"),
    "CCS2": ("IEC_62196_T2_COMBO",),
    "CCS1": ("IEC_62196_T1_COMBO",),
    "Type 2": ("IEC_62196_T2",),
    "Type 1": ("IEC_62196_T1",),
    "J1772": ("IEC_62196_T1",),
    "CHAdeMO": ("CHADEMO",),
    "ChaoJi": ("CHAOJI",),
    "Tesla": ("TESLA_S", "TESLA_R"),
    "Tesla R": ("TESLA_R",),
    "Schuko": ("DOMESTIC_F",),
    "Type E": ("DOMESTIC_E",),
    "Type 3A": ("IEC_62196_T3A",),
    "Type 3C": ("IEC_62196_T3C",),
    "GB/T": ("GBT_AC", "GBT_DC"),
    "GB/T AC": ("GBT_AC",),
    "GB/T DC": ("GBT_DC",),
    "CEE blue": ("IEC_60309_2_single_16",),
    "CEE red 16A": ("IEC_60309_2_three_16",),
    "CEE red 32A": ("IEC_60309_2_three_32",),
    "CEE red 64A": ("IEC_60309_2_three_64",),
    "Pantograph": ("PANTOGRAPH_BOTTOM_UP", "PANTOGRAPH_TOP_DOWN"),
}
OCPI_NAMES: tuple[str, ...] = tuple(member.value for member in ConnectorType)


class UnknownConnector(ValueError):
    """A connector name we do not know; the message lists the accepted ones (one line)."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"unknown connector {name!r}: use one of {', '.join(DRIVER_NAMES)} "
            f"(any case, spaces optional) or an OCPI connector type: {', '.join(OCPI_NAMES)}"
        )


def _key(name: str) -> str:
    """Case, spaces, dashes, underscores and slashes do not matter: "type-2" is "Type 2"."""
    return re.sub(r"[\s_\-/]+", "", name).casefold()


_BY_KEY: dict[str, tuple[str, ...]] = {
    **{_key(name): (name,) for name in OCPI_NAMES},
    **{_key(name): standards for name, standards in DRIVER_NAMES.items()},
    _key("Mennekes"): ("IEC_62196_T2",),
    _key("Combo"): ("IEC_62196_T2_COMBO", "IEC_62196_T1_COMBO"),
}


def connector_standards(name: str) -> tuple[str, ...]:
    """The OCPI standards a driver's or OCPI's connector name stands for.

    >>> connector_standards("type2")
    ('IEC_62196_T2',)
    """
    try:
        return _BY_KEY[_key(name)]
    except KeyError:
        raise UnknownConnector(name) from None


def resolve_connectors(names: Iterable[str] | None) -> tuple[str, ...]:
    """Every standard any of ``names`` stands for, in order, without repeats."""
    found: dict[str, None] = {}
    for name in names or ():
        found.update(dict.fromkeys(connector_standards(name)))
    return tuple(found)
