"""One table of connector names for the command line and the app's filter (#12)."""

from __future__ import annotations

import pytest

from emsp_tui.ocpi.enums import ConnectorType
from emsp_tui.services.connector_names import (
    UnknownConnector,
    connector_standards,
    resolve_connectors,
)


@pytest.mark.parametrize(
    ("name", "standards"),
    [
        ("CCS", ("IEC_62196_T2_COMBO", "IEC_62196_T1_COMBO")),
        ("ccs2", ("IEC_62196_T2_COMBO",)),
        ("CCS1", ("IEC_62196_T1_COMBO",)),
        ("Type 2", ("IEC_62196_T2",)),
        ("type2", ("IEC_62196_T2",)),
        ("TYPE-2", ("IEC_62196_T2",)),
        ("chademo", ("CHADEMO",)),
        ("Tesla", ("TESLA_S", "TESLA_R")),
        ("Schuko", ("DOMESTIC_F",)),
        ("iec_62196_t2_combo", ("IEC_62196_T2_COMBO",)),
    ],
)
def test_driver_and_ocpi_names_resolve(name: str, standards: tuple[str, ...]) -> None:
    assert connector_standards(name) == standards


def test_every_ocpi_connector_type_is_accepted_as_itself() -> None:
    for member in ConnectorType:
        assert member.value in connector_standards(member.value)


def test_the_app_filter_groups_mean_the_same_here() -> None:
    from emsp_tui.services.stations import CONNECTOR_GROUPS

    for label, standards in CONNECTOR_GROUPS.items():
        assert set(connector_standards(label)) == set(standards)


def test_several_names_unite_without_repeats() -> None:
    assert resolve_connectors(["CCS2", "ccs", "Type 2"]) == (
        "IEC_62196_T2_COMBO",
        "IEC_62196_T1_COMBO",
        "IEC_62196_T2",
    )


def test_an_unknown_name_lists_the_accepted_ones() -> None:
    with pytest.raises(UnknownConnector) as raised:
        connector_standards("plug")
    message = str(raised.value)
    assert "\n" not in message
    assert "CCS, CCS2, CCS1, Type 2" in message
    assert "IEC_62196_T2_COMBO" in message
