"""Every OCPI example payload parses with its model and round-trips.

The examples are the spec's own (tests/data/ocpi/examples, verbatim). The two that the spec got
wrong must be rejected with an error naming the offending field.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from emsp_tui.ocpi import models as m
from emsp_tui.ocpi.types import format_datetime, parse_datetime
from tests.paths import OCPI_EXAMPLES

# file -> (model, JSON path to the object inside the file, or "" for the whole file)
WHOLE: dict[str, type[m.OcpiModel]] = {
    "cdr_example.json": m.Cdr,
    "credentials_example.json": m.Credentials,
    "credentials_example2.json": m.Credentials,
    "credentials_example3.json": m.Credentials,
    "credentials_example4.json": m.Credentials,
    "location_example.json": m.Location,
    "location_example_parking_garage_opening_hours.json": m.Location,
    "location_example_uc2_destination_charger.json": m.Location,
    "location_example_uc3_destination_charger_not_published.json": m.Location,
    "location_example_uc4_limited_visibility.json": m.Location,
    "location_example_uc5_home_charge_point.json": m.Location,
    "location_hours_247_open_exception_closing.json": m.Hours,
    "location_hours_opening_hours_with_exceptional_closing.json": m.Hours,
    "location_hours_opening_hours_with_exceptional_opening.json": m.Hours,
    "session_example_1_simple_start.json": m.Session,
    "session_example_2_short_finished.json": m.Session,
    "tariff_1_simple_2hour.json": m.Tariff,
    "tariff_2_alt_text.json": m.Tariff,
    "tariff_3_alt_url.json": m.Tariff,
    "tariff_4_complex.json": m.Tariff,
    "tariff_5_free_of_charge.json": m.Tariff,
    "tariff_6_025kwh_start_max_price.json": m.Tariff,
    "tariff_8_simple_025kwh.json": m.Tariff,
    "tariff_9_025kwh_start.json": m.Tariff,
    "tariff_10_025kwh_parking_start.json": m.Tariff,
    "tariff_11_not_possible_alt_text.json": m.Tariff,
    "tariff_12_025kwh_min_price.json": m.Tariff,
    "tariff_13_simple_3hour_5parking.json": m.Tariff,
    "tariff_14_step_size.json": m.Tariff,
    "tariff_15_reservation_5_euro_per_hour.json": m.Tariff,
    "tariff_16_reservation_2_euro_fee_5_euro_per_hour.json": m.Tariff,
    "tariff_17_reservation_with_expire_fee.json": m.Tariff,
    "tariff_18_reservation_with_expire_time.json": m.Tariff,
    "tariffrestriction_example_max_duration.json": m.Tariff,
    "tariffrestriction_example_max_power.json": m.Tariff,
    "token_example_1_app_user.json": m.Token,
    "token_example_2_full_rfid.json": m.Token,
    "token_put_example.json": m.Token,
    "type_displaytext_example.json": m.DisplayText,
    "version_details_example.json": m.VersionDetail,
    "version_details_example2.json": m.VersionDetail,
    "location_patch_example_location.json": m.LocationPatch,
    "location_patch_example_remove_evse.json": m.EVSEPatch,
    "location_patch_example_status.json": m.EVSEPatch,
    "location_patch_example_tariff.json": m.ConnectorPatch,
    "session_patch_example_charging_period.json": m.SessionPatch,
    "session_patch_example_total_cost.json": m.SessionPatch,
    "token_patch_example.json": m.TokenPatch,
}
# Fragments wrapped in a one-key object: validate the value under that key.
FRAGMENTS: dict[str, tuple[str, type[m.OcpiModel]]] = {
    "location_regularhours_example.json": ("opening_times", m.Hours),
    "location_energymix_example_complete.json": ("energy_mix", m.EnergyMix),
    "location_energymix_example_energy_provider.json": ("energy_mix", m.EnergyMix),
    "location_energymix_example_simple.json": ("energy_mix", m.EnergyMix),
}
# Full response envelopes: (model of data, is it a list)
ENVELOPES: dict[str, tuple[type[m.OcpiModel], bool]] = {
    "transport_and_format_get_token_example.json": (m.Token, False),
    "transport_and_format_get_token_list_example.json": (m.Token, True),
    "transport_and_format_version_details_example.json": (m.VersionDetail, False),
    "transport_and_format_version_info_example.json": (m.Version, True),
}
# The spec's examples that are wrong (see SOURCE.md next to them): model, fields the error names.
INVALID: dict[str, tuple[type[m.OcpiModel], set[str]]] = {
    "location_put_example_add_evse.json": (
        m.EVSE,
        {"physical_reference", "power_type", "max_voltage", "max_amperage", "last_updated"},
    ),
    "tariff_put_example.json": (m.Tariff, {"last_updated"}),
}
BARE_LISTS = {"versions_info_example.json": m.Version}


def load(name: str) -> Any:
    return json.loads((OCPI_EXAMPLES / name).read_text())


def normalise(value: Any) -> Any:
    """Compare JSON semantically: timestamps in one canonical form, 2 == 2.0."""
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] == "T":
        return format_datetime(parse_datetime(value))
    return value


def assert_round_trip(model: type[m.OcpiModel], original: Any) -> None:
    parsed = model.model_validate(original)
    dumped = parsed.model_dump(mode="json", exclude_unset=True, exclude_none=True)
    assert normalise(dumped) == normalise(original)
    # What we emit re-parses to the same object, and timestamps are UTC with a Z.
    assert model.model_validate(parsed.to_ocpi()) == parsed
    for text in json.dumps(parsed.to_ocpi()).split('"'):
        if len(text) >= 19 and text[4:5] == "-" and text[10:11] == "T":
            assert text.endswith("Z"), text


def test_every_example_is_mapped() -> None:
    files = {p.name for p in OCPI_EXAMPLES.glob("*.json")}
    mapped = set(WHOLE) | set(FRAGMENTS) | set(ENVELOPES) | set(INVALID) | set(BARE_LISTS)
    assert files, f"no examples found in {OCPI_EXAMPLES}"
    assert files == mapped


@pytest.mark.parametrize("name", sorted(WHOLE))
def test_whole_example_round_trips(name: str) -> None:
    assert_round_trip(WHOLE[name], load(name))


@pytest.mark.parametrize("name", sorted(FRAGMENTS))
def test_fragment_round_trips(name: str) -> None:
    key, model = FRAGMENTS[name]
    assert_round_trip(model, load(name)[key])


@pytest.mark.parametrize("name", sorted(ENVELOPES))
def test_envelope_round_trips(name: str) -> None:
    model, many = ENVELOPES[name]
    body = load(name)
    envelope = m.OcpiResponse.model_validate(body)
    assert envelope.status_code == 1000
    items = body["data"] if many else [body["data"]]
    assert isinstance(items, list)
    for item in items:
        assert_round_trip(model, item)


def test_bare_version_list() -> None:
    versions = TypeAdapter(list[m.Version]).validate_python(load("versions_info_example.json"))
    assert [v.version for v in versions] == ["2.1.1", "2.2.1"]


@pytest.mark.parametrize("name", sorted(INVALID))
def test_known_bad_examples_are_rejected_naming_the_field(name: str) -> None:
    model, fields = INVALID[name]
    with pytest.raises(ValidationError) as caught:
        model.model_validate(load(name))
    named = {str(part) for err in caught.value.errors() for part in err["loc"]}
    assert fields <= named, caught.value
    for field in fields:
        assert field in str(caught.value)
