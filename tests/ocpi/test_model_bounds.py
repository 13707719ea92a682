"""The value rules of issue #11 ("hostile input"), one test per rule, on full and PATCH models.

Every case starts from a spec example (tests/data/ocpi/examples) that the models accept, changes
one value, and checks the answer: a pydantic ValidationError naming the field, or acceptance.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pydantic import ValidationError

from emsp_tui.ocpi import models as m
from emsp_tui.ocpi.types import MAX_KWH, format_datetime
from tests.paths import OCPI_EXAMPLES


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((OCPI_EXAMPLES / name).read_text())
    return data


SESSION = "session_example_2_short_finished.json"
LOCATION = "location_example.json"
CDR = "cdr_example.json"
TARIFF = "tariff_1_simple_2hour.json"
TOKEN = "token_example_2_full_rfid.json"
NOW = "2025-01-15T15:40:00Z"


def refused(model: type[m.OcpiModel], data: Any, field: str) -> ValidationError:
    """Validate ``data`` (a dict, or JSON text) and return the error, which must name ``field``."""
    validate = model.model_validate_json if isinstance(data, str) else model.model_validate
    with pytest.raises(ValidationError) as caught:
        validate(data)
    assert field in str(caught.value), caught.value
    return caught.value


def with_value(name: str, path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(example(name))
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


def test_examples_used_here_are_accepted() -> None:
    for name, model in [
        (SESSION, m.Session),
        (LOCATION, m.Location),
        (CDR, m.Cdr),
        (TARIFF, m.Tariff),
        (TOKEN, m.Token),
    ]:
        model.model_validate(example(name))


def test_non_finite_numbers_are_refused_in_full_and_patch_models() -> None:
    # 1e400 is what a partner sends; Python's JSON reader turns it into infinity.
    body = json.dumps(example(SESSION)).replace('"kwh": 41.12', '"kwh": 1e400')
    assert json.loads(body)["kwh"] == float("inf")
    refused(m.Session, json.loads(body), "kwh")
    refused(m.Session, body, "kwh")  # the JSON reader of pydantic too
    refused(m.Session, with_value(SESSION, ("kwh",), float("nan")), "kwh")
    refused(m.SessionPatch, {"kwh": float("inf"), "last_updated": NOW}, "kwh")
    refused(m.SessionPatch, '{"kwh": 1e400, "last_updated": "2025-01-15T15:40:00Z"}', "kwh")
    refused(m.Cdr, with_value(CDR, ("total_cost", "excl_vat"), float("inf")), "excl_vat")
    refused(m.Cdr, with_value(CDR, ("total_time",), float("-inf")), "total_time")
    period = ("charging_periods", 0, "dimensions", 0, "volume")
    refused(m.Cdr, with_value(CDR, period, float("nan")), "volume")


def test_numbers_beyond_their_bound_are_refused() -> None:
    refused(m.Session, with_value(SESSION, ("kwh",), MAX_KWH * 10), "kwh")
    m.Session.model_validate(with_value(SESSION, ("kwh",), MAX_KWH))  # the bound itself is fine
    connector = ("evses", 0, "connectors", 0, "max_voltage")
    refused(m.Location, with_value(LOCATION, connector, 10**30), "max_voltage")
    refused(m.Location, with_value(LOCATION, connector, 10**400), "max_voltage")
    refused(m.ConnectorPatch, {"max_amperage": 10**20, "last_updated": NOW}, "max_amperage")
    refused(m.CommandResponse, {"result": "ACCEPTED", "timeout": 10**12}, "timeout")
    refused(m.Cdr, with_value(CDR, ("total_cost", "excl_vat"), 1e15), "excl_vat")
    refused(m.Tariff, with_value(TARIFF, ("elements", 0, "price_components", 0, "vat"), 121), "vat")


CONTROL = [
    "\x1b[2J",
    "a\u202eb",
    "\x00",
    "line\r\nbreak",
    "tab\there",
    "del\x7f",
    "c1\x85",
    "\u2028",
]


@pytest.mark.parametrize("text", CONTROL, ids=repr)
def test_control_and_bidi_characters_are_refused_in_strings(text: str) -> None:
    refused(m.Location, with_value(LOCATION, ("name",), text), "name")
    refused(m.Location, with_value(LOCATION, ("address",), text), "address")
    # DisplayText.text, a CiString id, a URL, and the PATCH models
    refused(
        m.Location,
        with_value(LOCATION, ("directions",), [{"language": "en", "text": text}]),
        "text",
    )
    refused(m.DisplayText, {"language": "en", "text": text}, "text")
    refused(m.Session, with_value(SESSION, ("id",), text), "id")
    refused(m.Session, with_value(SESSION, ("meter_id",), text), "meter_id")
    refused(m.Cdr, with_value(CDR, ("remark",), text), "remark")
    refused(m.Token, with_value(TOKEN, ("issuer",), text), "issuer")
    refused(m.LocationPatch, {"name": text, "last_updated": NOW}, "name")
    refused(
        m.EVSEPatch, {"physical_reference": text[:16], "last_updated": NOW}, "physical_reference"
    )
    refused(m.TokenPatch, {"visual_number": text, "last_updated": NOW}, "visual_number")
    refused(
        m.CommandResult, {"result": "FAILED", "message": [{"language": "en", "text": text}]}, "text"
    )


def test_printable_text_in_any_script_is_accepted() -> None:
    for text in [
        "Zürich Hauptbahnhof",
        "東京駅 八重洲口",
        "Škoda ⚡ 22 kW",
        "«quoted» — dash",
        "👍🏽",
    ]:
        loc = m.Location.model_validate(with_value(LOCATION, ("name",), text))
        assert loc.name == text
    # a CiString is ASCII, though: Zürich is not a valid id
    refused(m.Session, with_value(SESSION, ("location_id",), "Zürich"), "location_id")
    # a lone surrogate (JSON "\ud800"; Python's JSON reader makes a str of it) is not text
    body = json.loads(json.dumps(example(LOCATION)).replace('"Gent Zuid"', '"\\ud800"'))
    assert body["name"] == "\ud800"
    refused(m.Location, body, "name")


def test_datetime_must_be_a_json_string_in_the_ocpi_form() -> None:
    for bad in [
        1.5,
        1,
        1736955600,
        "1.5",
        "1736955600",
        "yesterday",
        "2015-13-01T00:00:00Z",
        "2015-06-29 20:39:09",
        "2015-06-29",
        True,
        [],
        {},
    ]:
        refused(m.Session, with_value(SESSION, ("last_updated",), bad), "last_updated")
        refused(m.SessionPatch, {"kwh": 1, "last_updated": bad}, "last_updated")
    refused(m.Session, json.dumps(with_value(SESSION, ("last_updated",), 1.5)), "last_updated")
    # out of range once converted to UTC: an error, not an OverflowError
    refused(
        m.Session,
        with_value(SESSION, ("last_updated",), "0001-01-01T00:00:00+01:00"),
        "last_updated",
    )
    # the forms the types.py docstring promises are still read, and emitted with a Z
    for text, emitted in [
        ("2015-06-29T20:39:09Z", "2015-06-29T20:39:09Z"),
        ("2015-06-29T20:39:09", "2015-06-29T20:39:09Z"),
        ("2016-12-29T17:45:09.2Z", "2016-12-29T17:45:09.200Z"),
        ("2018-01-01T01:08:01.123", "2018-01-01T01:08:01.123Z"),
        ("2018-01-01T03:08:01+02:00", "2018-01-01T01:08:01Z"),
        ("2018-01-01T01:08:01+00:00", "2018-01-01T01:08:01Z"),
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),  # .NET's "no date" stays readable
    ]:
        session = m.Session.model_validate(with_value(SESSION, ("last_updated",), text))
        assert session.to_ocpi()["last_updated"] == emitted
        assert m.SessionPatch.model_validate({"last_updated": text}).to_ocpi() == {
            "last_updated": emitted
        }
    assert format_datetime(m.Session.model_validate(example(SESSION)).last_updated) == (
        "2015-06-29T23:50:17Z"
    )


def test_negative_energy_durations_and_power_are_refused() -> None:
    refused(m.Session, with_value(SESSION, ("kwh",), -1), "kwh")
    refused(m.SessionPatch, {"kwh": -0.5, "last_updated": NOW}, "kwh")
    refused(m.Cdr, with_value(CDR, ("total_energy",), -15.3), "total_energy")
    refused(m.Cdr, with_value(CDR, ("total_time",), -1), "total_time")
    refused(m.Cdr, with_value(CDR, ("total_parking_time",), -0.1), "total_parking_time")
    refused(
        m.Location,
        with_value(LOCATION, ("evses", 0, "connectors", 0, "max_amperage"), -16),
        "max_amperage",
    )
    restriction = ("elements", 0, "restrictions")
    refused(m.Tariff, with_value(TARIFF, restriction, {"max_power": -11}), "max_power")
    refused(m.Tariff, with_value(TARIFF, restriction, {"min_duration": -60}), "min_duration")
    refused(
        m.Tariff, with_value(TARIFF, ("elements", 0, "price_components", 0, "price"), -2.5), "price"
    )
    # a time dimension below zero; a state of charge above 100 %
    dim = ("charging_periods", 0, "dimensions", 0)
    refused(m.Cdr, with_value(CDR, dim, {"type": "TIME", "volume": -1.9}), "TIME")
    refused(
        m.Session, with_value(SESSION, dim, {"type": "PARKING_TIME", "volume": -1}), "PARKING_TIME"
    )
    refused(
        m.Session,
        with_value(SESSION, dim, {"type": "STATE_OF_CHARGE", "volume": 101}),
        "STATE_OF_CHARGE",
    )
    periods = [{"start_date_time": NOW, "dimensions": [{"type": "ENERGY_IMPORT", "volume": -3}]}]
    refused(m.SessionPatch, {"charging_periods": periods, "last_updated": NOW}, "ENERGY_IMPORT")
    # Spec 2.2.1: energy fed back to the grid (V2G) is a negative ENERGY volume, and is accepted
    session = m.Session.model_validate(with_value(SESSION, dim, {"type": "ENERGY", "volume": -2.5}))
    assert session.charging_periods
    assert session.charging_periods[0].dimensions[0].volume == -2.5
    m.Cdr.model_validate(with_value(CDR, dim, {"type": "MIN_POWER", "volume": -11}))


def test_costs_below_zero_only_in_a_credit_cdr() -> None:
    credit = with_value(CDR, ("total_cost",), {"excl_vat": -4.0, "incl_vat": -4.4})
    credit["total_time_cost"] = {"excl_vat": -4.0, "incl_vat": -4.4}
    credit.update(id="12345-C", credit=True, credit_reference_id="12345")
    cdr = m.Cdr.model_validate(credit)
    assert cdr.credit
    assert cdr.total_cost.excl_vat == -4.0
    assert m.Cdr.model_validate(cdr.to_ocpi()) == cdr

    not_credit = {k: v for k, v in credit.items() if k not in {"credit", "credit_reference_id"}}
    refused(m.Cdr, not_credit, "total_cost")
    refused(m.Cdr, {**credit, "credit": False}, "total_cost")
    refused(
        m.Cdr,
        with_value(CDR, ("total_time_cost",), {"excl_vat": 1, "incl_vat": -1}),
        "total_time_cost",
    )
    # a session's or a tariff's amounts are never below zero, full or PATCH
    refused(m.Session, with_value(SESSION, ("total_cost",), {"excl_vat": -8.5}), "total_cost")
    refused(m.SessionPatch, {"total_cost": {"excl_vat": -1}, "last_updated": NOW}, "total_cost")
    refused(m.Tariff, with_value(TARIFF, ("min_price",), {"excl_vat": -1}), "min_price")
    refused(
        m.TariffPatch,
        {"max_price": {"excl_vat": 0, "incl_vat": -0.01}, "last_updated": NOW},
        "max_price",
    )


@pytest.mark.parametrize("currency", ["EURO", "eu", "eur", "EU", "E1R", "€", ""])
def test_currency_is_three_upper_case_letters(currency: str) -> None:
    refused(m.Session, with_value(SESSION, ("currency",), currency), "currency")
    refused(m.Cdr, with_value(CDR, ("currency",), currency), "currency")
    refused(m.Tariff, with_value(TARIFF, ("currency",), currency), "currency")
    refused(m.SessionPatch, {"currency": currency, "last_updated": NOW}, "currency")


def test_party_country_code_is_iso_3166_alpha_2() -> None:
    for bad in ["XX", "NLD", "N", "EU", "UK", "N1", "\u0131t"]:
        refused(m.Session, with_value(SESSION, ("country_code",), bad), "country_code")
        refused(m.Session, with_value(SESSION, ("cdr_token", "country_code"), bad), "country_code")
        refused(m.Location, with_value(LOCATION, ("country_code",), bad), "country_code")
        refused(m.TokenPatch, {"country_code": bad, "last_updated": NOW}, "country_code")
        refused(m.ClientInfoPatch, {"country_code": bad, "last_updated": NOW}, "country_code")
    credentials = example("credentials_example.json")
    credentials["roles"][0]["country_code"] = "XX"
    refused(m.Credentials, credentials, "country_code")
    # CiString: compared case-insensitively, so lower case is read, and kept as it was sent
    assert (
        m.Session.model_validate(with_value(SESSION, ("country_code",), "be")).country_code == "be"
    )
    assert (
        m.Location.model_validate(with_value(LOCATION, ("country_code",), "GB")).country_code
        == "GB"
    )
    # a party id is three letters or digits
    for bad in ["BE", "BECX", "B/C", "B C"]:
        refused(m.Session, with_value(SESSION, ("party_id",), bad), "party_id")


def test_location_country_is_iso_3166_alpha_3() -> None:
    for bad in ["NL", "XXX", "N1D", "BE "]:
        refused(m.Location, with_value(LOCATION, ("country",), bad), "country")
        refused(m.Cdr, with_value(CDR, ("cdr_location", "country"), bad), "country")
        refused(m.LocationPatch, {"country": bad, "last_updated": NOW}, "country")
    assert m.Location.model_validate(with_value(LOCATION, ("country",), "DEU")).country == "DEU"


def test_unknown_fields_stay_tolerated() -> None:
    session = with_value(SESSION, ("from_ocpi_3",), {"anything": [1e400, "\x1b[2J"]})
    parsed = m.Session.model_validate(session)
    assert "from_ocpi_3" not in parsed.to_ocpi()
    assert parsed == m.Session.model_validate(example(SESSION))
    patch = m.SessionPatch.model_validate({"kwh": 2, "vendor_x": None, "last_updated": NOW})
    assert patch.to_ocpi() == {"kwh": 2, "last_updated": NOW}
