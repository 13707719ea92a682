"""Every OCPI example payload against the (corrected) OpenAPI schemas, independently of our models.

The examples are the spec's own (tests/data/ocpi/examples, verbatim, never edited). Each file is
mapped explicitly to what it is: a whole object, a PATCH body (the *Partial / *Patch schemas), a
fragment wrapped in a one-key object, a bare list, or a full response envelope. The files the spec
got wrong are listed in EXPECTED_FAILURES with the reason and must fail naming the fields.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.ocpi_schemas import validate, validate_response
from tests.paths import OCPI_EXAMPLES

# file -> schema of the whole file
WHOLE: dict[str, str] = {
    "cdr_example.json": "CDR",
    "credentials_example.json": "Credentials",
    "credentials_example2.json": "Credentials",
    "credentials_example3.json": "Credentials",
    "credentials_example4.json": "Credentials",
    "location_example.json": "Location",
    "location_example_parking_garage_opening_hours.json": "Location",
    "location_example_uc2_destination_charger.json": "Location",
    "location_example_uc3_destination_charger_not_published.json": "Location",
    "location_example_uc4_limited_visibility.json": "Location",
    "location_example_uc5_home_charge_point.json": "Location",
    "location_hours_247_open_exception_closing.json": "Hours",
    "location_hours_opening_hours_with_exceptional_closing.json": "Hours",
    "location_hours_opening_hours_with_exceptional_opening.json": "Hours",
    "session_example_1_simple_start.json": "Session",
    "session_example_2_short_finished.json": "Session",
    "tariff_1_simple_2hour.json": "Tariff",
    "tariff_2_alt_text.json": "Tariff",
    "tariff_3_alt_url.json": "Tariff",
    "tariff_4_complex.json": "Tariff",
    "tariff_5_free_of_charge.json": "Tariff",
    "tariff_6_025kwh_start_max_price.json": "Tariff",
    "tariff_8_simple_025kwh.json": "Tariff",
    "tariff_9_025kwh_start.json": "Tariff",
    "tariff_10_025kwh_parking_start.json": "Tariff",
    "tariff_11_not_possible_alt_text.json": "Tariff",
    "tariff_12_025kwh_min_price.json": "Tariff",
    "tariff_13_simple_3hour_5parking.json": "Tariff",
    "tariff_14_step_size.json": "Tariff",
    "tariff_15_reservation_5_euro_per_hour.json": "Tariff",
    "tariff_16_reservation_2_euro_fee_5_euro_per_hour.json": "Tariff",
    "tariff_17_reservation_with_expire_fee.json": "Tariff",
    "tariff_18_reservation_with_expire_time.json": "Tariff",
    "tariff_put_example.json": "Tariff",
    "tariffrestriction_example_max_duration.json": "Tariff",
    "tariffrestriction_example_max_power.json": "Tariff",
    "token_example_1_app_user.json": "Token",
    "token_example_2_full_rfid.json": "Token",
    "token_put_example.json": "Token",
    "type_displaytext_example.json": "DisplayText",
    "version_details_example.json": "VersionDetail",
    "version_details_example2.json": "VersionDetail",
    "versions_info_example.json": "Versions",  # a bare list: the `data` of GET versions
    # PUT at EVSE depth: the body is an EVSE
    "location_put_example_add_evse.json": "EVSE",
    # PATCH bodies, by the depth of the URL they are sent to
    "location_patch_example_location.json": "LocationPartial",
    "location_patch_example_remove_evse.json": "EVSEPartial",
    "location_patch_example_status.json": "EVSEPartial",
    "location_patch_example_tariff.json": "ConnectorPartial",
    "session_patch_example_charging_period.json": "SessionPatch",
    "session_patch_example_total_cost.json": "SessionPatch",
    "token_patch_example.json": "TokenPatch",
}
# Fragments wrapped in a one-key object: (key, schema of the value under that key)
FRAGMENTS: dict[str, tuple[str, str]] = {
    "location_regularhours_example.json": ("opening_times", "Hours"),
    "location_energymix_example_complete.json": ("energy_mix", "EnergyMix"),
    "location_energymix_example_energy_provider.json": ("energy_mix", "EnergyMix"),
    "location_energymix_example_simple.json": ("energy_mix", "EnergyMix"),
}
# Full response envelopes: (schema of data, is data a list)
ENVELOPES: dict[str, tuple[str, bool]] = {
    "transport_and_format_get_token_example.json": ("Token", False),
    "transport_and_format_get_token_list_example.json": ("Token", True),
    "transport_and_format_version_details_example.json": ("VersionDetail", False),
    "transport_and_format_version_info_example.json": ("Version", True),
}
# Examples that are wrong per the spec (examples/SOURCE.md): reason, fields the report must name.
EXPECTED_FAILURES: dict[str, tuple[str, list[str]]] = {
    "location_put_example_add_evse.json": (
        "`floor` is not a field (floor_level is), physical_reference is a number, not a "
        "string; its connector lacks the required power_type, max_voltage, max_amperage and "
        "last_updated",
        [
            "'floor' was unexpected",
            "$.physical_reference: 3 is not of type 'string'",
            "'power_type' is a required property",
            "'max_voltage' is a required property",
            "'max_amperage' is a required property",
            "$.connectors[0]: 'last_updated' is a required",
        ],
    ),
    "tariff_put_example.json": (
        "the required last_updated is missing",
        ["$: 'last_updated' is a required property"],
    ),
}


def load(name: str) -> Any:
    return json.loads((OCPI_EXAMPLES / name).read_text(encoding="utf-8"))


def check(name: str) -> None:
    data = load(name)
    if name in WHOLE:
        validate(data, WHOLE[name])
    elif name in FRAGMENTS:
        key, schema = FRAGMENTS[name]
        assert list(data) == [key], f"{name}: expected a single {key!r} key"
        validate(data[key], schema)
    else:
        schema, many = ENVELOPES[name]
        validate_response(data, schema, many)


def test_every_example_is_mapped_exactly_once() -> None:
    on_disk = {p.name for p in OCPI_EXAMPLES.glob("*.json")}
    groups = [set(WHOLE), set(FRAGMENTS), set(ENVELOPES)]
    mapped = set().union(*groups)
    assert sum(map(len, groups)) == len(mapped), "a file is mapped twice"
    assert on_disk == mapped
    assert set(EXPECTED_FAILURES) <= mapped
    assert len(on_disk) == 59  # examples/SOURCE.md: 59 files


VALID = sorted((set(WHOLE) | set(FRAGMENTS) | set(ENVELOPES)) - set(EXPECTED_FAILURES))


@pytest.mark.parametrize("name", VALID)
def test_valid_example_passes(name: str) -> None:
    check(name)


@pytest.mark.parametrize("name", sorted(EXPECTED_FAILURES))
def test_known_bad_example_fails_naming_the_fields(name: str) -> None:
    _reason, expected = EXPECTED_FAILURES[name]
    with pytest.raises(AssertionError) as caught:
        check(name)
    report = str(caught.value)
    for fragment in expected:
        assert fragment in report, f"{fragment!r} not in:\n{report}"


def test_known_bad_evse_fails_on_types_even_when_unknown_fields_are_allowed() -> None:
    with pytest.raises(AssertionError, match=r"\$\.physical_reference: 3 is not of type 'string'"):
        validate(load("location_put_example_add_evse.json"), "EVSE", allow_unknown_fields=True)


def test_envelope_examples_also_validate_their_data_alone() -> None:
    # the bare list and the envelope hold the same kind of data
    validate(load("transport_and_format_version_info_example.json")["data"], "Versions")
    for item in load("transport_and_format_get_token_list_example.json")["data"]:
        validate(item, "Token")
