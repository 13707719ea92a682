"""The OpenAPI schema checker (tests/ocpi_schemas.py) accepts valid OCPI; each correction bites."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests import ocpi_schemas as schemas
from tests.ocpi_schemas import validate, validate_headers_paginated, validate_response

TS = "2026-01-02T03:04:05Z"


def connector() -> dict[str, Any]:
    return {
        "id": "1",
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "max_voltage": 230,
        "max_amperage": 32,
        "tariff_ids": ["T1"],
        "last_updated": TS,
    }


def evse() -> dict[str, Any]:
    return {
        "uid": "EVSE-1",
        "evse_id": "NL*MCP*E0001",
        "status": "AVAILABLE",
        "capabilities": ["REMOTE_START_STOP_CAPABLE"],
        "connectors": [connector()],
        "last_updated": TS,
    }


def location() -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "MCP",
        "id": "LOC-1",
        "publish": True,
        "address": "Stationsplein 1",
        "city": "Amsterdam",
        "country": "NLD",
        "coordinates": {"latitude": "52.378900", "longitude": "4.900100"},
        "evses": [evse()],
        "time_zone": "Europe/Amsterdam",
        "opening_times": {"twentyfourseven": True},
        "last_updated": TS,
    }


def tariff() -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "MCP",
        "id": "T1",
        "currency": "EUR",
        "elements": [
            {
                "price_components": [
                    {"type": "ENERGY", "price": 0.35, "vat": 21.0, "step_size": 1}
                ],
                "restrictions": {
                    "start_time": "09:00",
                    "end_time": "18:00",
                    "day_of_week": ["MONDAY"],
                },
            }
        ],
        "last_updated": TS,
    }


def cdr_token() -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "EMS",
        "uid": "U1",
        "type": "APP_USER",
        "contract_id": "NL-EMS-C1",
    }


def charging_period() -> dict[str, Any]:
    return {
        "start_date_time": TS,
        "dimensions": [{"type": "ENERGY", "volume": 1.5}],
        "tariff_id": "T1",
    }


def session() -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "MCP",
        "id": "S1",
        "start_date_time": TS,
        "kwh": 1.5,
        "cdr_token": cdr_token(),
        "auth_method": "COMMAND",
        "location_id": "LOC-1",
        "evse_uid": "EVSE-1",
        "connector_id": "1",
        "currency": "EUR",
        "charging_periods": [charging_period()],
        "total_cost": {"excl_vat": 0.53, "incl_vat": 0.64},
        "status": "ACTIVE",
        "last_updated": TS,
    }


def cdr() -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "MCP",
        "id": "CDR-1",
        "start_date_time": TS,
        "end_date_time": "2026-01-02T04:04:05Z",
        "session_id": "S1",
        "cdr_token": cdr_token(),
        "auth_method": "COMMAND",
        "cdr_location": {
            "id": "LOC-1",
            "address": "Stationsplein 1",
            "city": "Amsterdam",
            "country": "NLD",
            "coordinates": {"latitude": "52.378900", "longitude": "4.900100"},
            "evse_uid": "EVSE-1",
            "evse_id": "NL*MCP*E0001",
            "connector_id": "1",
            "connector_standard": "IEC_62196_T2",
            "connector_format": "SOCKET",
            "connector_power_type": "AC_3_PHASE",
        },
        "currency": "EUR",
        "tariffs": [tariff()],
        "charging_periods": [charging_period()],
        "signed_data": {
            "encoding_method": "OCMF",
            "signed_values": [{"nature": "Start", "plain_data": "x", "signed_data": "eA=="}],
        },
        "total_cost": {"excl_vat": 0.53, "incl_vat": 0.64},
        "total_energy": 1.5,
        "total_time": 1.0,
        "last_updated": TS,
    }


def token() -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "EMS",
        "uid": "U1",
        "type": "APP_USER",
        "contract_id": "NL-EMS-C1",
        "issuer": "Example eMSP",
        "valid": True,
        "whitelist": "NEVER",
        "last_updated": TS,
    }


def credentials() -> dict[str, Any]:
    return {
        "token": "c0ffee-token-42",
        "url": "https://emsp.example.com/ocpi/versions",
        "roles": [
            {
                "role": "EMSP",
                "business_details": {"name": "Example eMSP"},
                "party_id": "EMS",
                "country_code": "NL",
            }
        ],
    }


Factory = Callable[[], dict[str, Any]]

VALID: dict[str, Factory] = {
    "Location": location,
    "EVSE": evse,
    "Connector": connector,
    "Tariff": tariff,
    "Session": session,
    "CDR": cdr,
    "Token": token,
    "Credentials": credentials,
    "CommandResponse": lambda: {"result": "ACCEPTED", "timeout": 30},
    "CommandResult": lambda: {
        "result": "EVSE_OCCUPIED",
        "message": [{"language": "en", "text": "Busy"}],
    },
    "ClientInfo": lambda: {
        "party_id": "MCP",
        "country_code": "NL",
        "role": "CPO",
        "status": "CONNECTED",
        "last_updated": TS,
    },
    "VersionDetail": lambda: {
        "version": "2.2.1",
        "endpoints": [
            {
                "identifier": "locations",
                "role": "SENDER",
                "url": "https://cpo.example.com/ocpi/2.2.1/locations",
            }
        ],
    },
    "Version": lambda: {"version": "2.2.1", "url": "https://cpo.example.com/ocpi/2.2.1"},
    "AuthorizationInfo": lambda: {
        "allowed": "ALLOWED",
        "token": token(),
        "location": {"location_id": "LOC-1", "evse_uids": ["EVSE-1"]},
    },
    "StartSession": lambda: {
        "response_url": "https://emsp.example.com/commands/START_SESSION/1",
        "token": token(),
        "location_id": "LOC-1",
    },
}


def violations_of(instance: object, name: str, **kwargs: bool) -> str:
    with pytest.raises(AssertionError) as caught:
        validate(instance, name, **kwargs)
    return str(caught.value)


# --- valid objects pass ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_object_passes(name: str) -> None:
    validate(VALID[name](), name)


def test_schema_names_are_case_insensitive_and_unknown_names_are_refused() -> None:
    validate(cdr(), "Cdr")
    assert {"Location", "CDR", "Credentials", "AuthorizationInfo"} <= set(schemas.schema_names())
    with pytest.raises(KeyError, match="Locaton"):
        validate(location(), "Locaton")


def test_corrected_schemas_are_valid_json_schema() -> None:
    for name in schemas.schema_names():
        Draft202012Validator.check_schema(schemas.corrected_schema(name))


# --- the `+` lists ---------------------------------------------------------------------------

PLUS_CASES: dict[tuple[str, str], Factory] = {  # schema, field: a valid object of that schema
    ("Credentials", "roles"): credentials,
    ("EVSE", "connectors"): evse,
    ("Tariff", "elements"): tariff,
    ("TariffElement", "price_components"): lambda: tariff()["elements"][0],
    ("ChargingPeriod", "dimensions"): charging_period,
    ("CDR", "charging_periods"): cdr,
    ("SignedData", "signed_values"): lambda: cdr()["signed_data"],
}


@pytest.mark.parametrize(("name", "field"), sorted(PLUS_CASES))
def test_plus_list_must_be_a_non_empty_list(name: str, field: str) -> None:
    obj = PLUS_CASES[name, field]()
    validate(obj, name)

    single = {**obj, field: obj[field][0]}  # what the uncorrected schema wanted
    assert f"$.{field}: " in violations_of(single, name)
    assert "is not of type 'array'" in violations_of(single, name)

    assert "should be non-empty" in violations_of({**obj, field: []}, name)

    missing = {k: v for k, v in obj.items() if k != field}
    assert f"'{field}' is a required property" in violations_of(missing, name)


def test_credentials_roles_as_an_object_fails() -> None:
    creds = credentials()
    creds["roles"] = creds["roles"][0]
    message = violations_of(creds, "Credentials")
    assert "$.roles:" in message
    assert "not of type 'array'" in message


def test_evse_with_empty_connectors_fails_also_inside_a_location() -> None:
    loc = location()
    loc["evses"][0]["connectors"] = []
    assert "$.evses[0].connectors: [] should be non-empty" in violations_of(loc, "Location")


def test_versions_list_must_not_be_empty() -> None:
    validate([VALID["Version"]()], "Versions")
    assert "should be non-empty" in violations_of([], "Versions")


# --- DateTime -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2015-06-29T20:39:09",
        "2015-06-29T20:39:09Z",
        "2015-06-29T20:39:09.123Z",
        "2016-12-29T17:45:09.2Z",
        "2018-01-01T01:08:01.123",
    ],
)
def test_ocpi_datetime_forms_pass(value: str) -> None:
    validate(value, "DateTime")
    validate({**session(), "start_date_time": value}, "Session")


@pytest.mark.parametrize(
    "value",
    [
        "2015-06-29T20:39:09+02:00",
        "2015-06-29T20:39:09+00:00",
        "2015-06-29T20:39:09.123-01:00",
        "2015-06-29 20:39:09Z",
        "2015-06-29T20:39Z",
        "2015-06-29",
        "2015-13-29T20:39:09Z",
        "2015-06-29T24:00:00Z",
        "2015-06-29t20:39:09z",
        "2015-06-29T20:39:09Z\n",
        "2015-06-29T20:39:09.123456789012Z",  # longer than string(25)
    ],
)
def test_other_datetime_forms_fail(value: str) -> None:
    violations_of(value, "DateTime")
    assert "$.start_date_time:" in violations_of({**session(), "start_date_time": value}, "Session")


# --- errata lengths --------------------------------------------------------------------------


def test_location_address_and_state_use_the_errata_lengths() -> None:
    validate({**location(), "address": "a" * 200, "state": "s" * 45}, "Location")
    assert "$.address:" in violations_of({**location(), "address": "a" * 256}, "Location")
    assert "$.state:" in violations_of({**location(), "state": "s" * 46}, "Location")


def test_cdr_location_accepts_the_longer_address_and_state() -> None:
    record = cdr()
    record["cdr_location"].update(address="a" * 200, state="s" * 45)
    validate(record, "CDR")


def test_signed_value_plain_data_up_to_5000() -> None:
    value = {"nature": "End", "plain_data": "p" * 5000, "signed_data": "eA=="}
    validate(value, "SignedValue")
    assert "$.plain_data:" in violations_of({**value, "plain_data": "p" * 5001}, "SignedValue")


# --- required fields, types, enums ----------------------------------------------------------


def test_missing_required_field_fails_and_is_named() -> None:
    incomplete = session()
    del incomplete["kwh"]
    message = violations_of(incomplete, "Session")
    assert "$: 'kwh' is a required property" in message


def test_every_violation_is_listed() -> None:
    broken = location()
    del broken["time_zone"]
    broken["evses"][0]["status"] = "FREE"
    broken["evses"][0]["connectors"][0]["max_voltage"] = "230"
    message = violations_of(broken, "Location")
    assert "3 schema violation(s)" in message
    assert "$: 'time_zone' is a required property" in message
    assert "$.evses[0].status: 'FREE' is not one of" in message
    assert "$.evses[0].connectors[0].max_voltage: '230' is not of type 'integer'" in message


@pytest.mark.parametrize(
    ("name", "factory", "field", "value"),
    [
        ("EVSE", evse, "status", "FREE"),
        ("Token", token, "whitelist", "SOMETIMES"),
        ("Session", session, "status", "active"),  # enum values are case-sensitive
        ("Session", session, "status", "RUNNING"),
    ],
)
def test_wrong_enum_value_fails(name: str, factory: Factory, field: str, value: str) -> None:
    message = violations_of({**factory(), field: value}, name)
    assert f"$.{field}: {value!r} is not one of" in message


def test_integer_fields_reject_floats_and_strings() -> None:
    assert "not of type 'integer'" in violations_of(
        {**connector(), "max_voltage": 230.0}, "Connector"
    )
    assert "not of type 'integer'" in violations_of(
        {**connector(), "max_amperage": "32"}, "Connector"
    )


def test_a_list_where_an_object_is_expected_fails() -> None:
    # a single-object endpoint that returns a list fails on the type
    assert "is not of type 'object'" in violations_of([location()], "Location")


# --- modes: unknown fields and null ----------------------------------------------------------


def test_unknown_fields_fail_unless_allowed() -> None:
    obj = {**evse(), "floor": -1}
    assert "'floor' was unexpected" in violations_of(obj, "EVSE")
    validate(obj, "EVSE", allow_unknown_fields=True)


def test_null_optional_fields_fail_unless_allowed_but_required_ones_always_fail() -> None:
    obj = {**evse(), "evse_id": None, "capabilities": None, "coordinates": None}
    assert "$.evse_id: None is not of type 'string'" in violations_of(obj, "EVSE")
    validate(obj, "EVSE", allow_null=True)
    message = violations_of({**evse(), "status": None}, "EVSE", allow_null=True)
    assert "$.status: None is not one of" in message
    # a wrong non-null value still gets its own message, not just "not valid under any of"
    message = violations_of({**evse(), "coordinates": {"latitude": "x"}}, "EVSE", allow_null=True)
    assert "$.coordinates: 'longitude' is a required property" in message


# --- the other corrections ------------------------------------------------------------------


def test_regular_hours_weekday_is_an_integer() -> None:
    def hours(weekday: object) -> dict[str, Any]:
        regular = {"weekday": weekday, "period_begin": "08:00", "period_end": "20:00"}
        return {"twentyfourseven": False, "regular_hours": [regular]}

    validate(hours(1), "Hours")
    validate(hours(7), "Hours")
    path = "$.regular_hours[0].weekday"
    assert f"{path}: '1' is not of type 'integer'" in violations_of(hours("1"), "Hours")
    assert f"{path}: 8 is greater than the maximum" in violations_of(hours(8), "Hours")
    assert f"{path}: 0 is less than the minimum" in violations_of(hours(0), "Hours")


def test_hours_need_regular_hours_unless_24_7() -> None:
    assert "'regular_hours' is a required property" in violations_of(
        {"twentyfourseven": False}, "Hours"
    )
    regular = [{"weekday": 1, "period_begin": "08:00", "period_end": "20:00"}]
    assert "$.regular_hours:" in violations_of(
        {"twentyfourseven": True, "regular_hours": regular}, "Hours"
    )


def test_image_size_is_an_integer() -> None:
    image = {
        "url": "https://example.com/a.png",
        "category": "CHARGER",
        "type": "png",
        "width": 640,
        "height": 480,
    }
    validate(image, "Image")
    assert "$.width: '640' is not of type 'integer'" in violations_of(
        {**image, "width": "640"}, "Image"
    )


def test_publish_allowed_to_only_when_unpublished() -> None:
    allowed = [{"uid": "U1", "type": "RFID"}]
    validate({**location(), "publish": False, "publish_allowed_to": allowed}, "Location")
    assert "$.publish_allowed_to:" in violations_of(
        {**location(), "publish_allowed_to": allowed}, "Location"
    )


def test_publish_token_type_rules() -> None:
    validate({"visual_number": "123", "issuer": "X"}, "PublishTokenType")
    violations_of({"type": "RFID"}, "PublishTokenType")  # nothing to match on
    assert "'type' is a dependency of 'uid'" in violations_of({"uid": "U1"}, "PublishTokenType")
    assert "'issuer' is a dependency" in violations_of({"visual_number": "1"}, "PublishTokenType")


def test_start_session_with_evse_and_connector_is_a_valid_command() -> None:
    # it also satisfies UnlockConnector's required fields: with upstream's oneOf it failed
    start = {**VALID["StartSession"](), "evse_uid": "EVSE-1", "connector_id": "1"}
    validate(start, "Command", allow_unknown_fields=True)
    validate(start, "Command")


def test_string_character_sets() -> None:
    assert "$.uid:" in violations_of({**token(), "uid": "ÜMLAUT"}, "Token")  # CiString: ASCII only
    validate({**token(), "issuer": "Énergie Ünlimited"}, "Token")  # string: UTF-8 is fine
    assert "$.issuer:" in violations_of({**token(), "issuer": "two\nlines"}, "Token")
    assert "$.text:" in violations_of({"language": "en", "text": "tab\there"}, "DisplayText")
    assert "$.token:" in violations_of({**credentials(), "token": "has space"}, "Credentials")
    assert "$.token:" in violations_of({**credentials(), "token": ""}, "Credentials")


def test_fixed_length_codes() -> None:
    assert "$.country:" in violations_of({**location(), "country": "NL"}, "Location")
    assert "$.currency:" in violations_of({**tariff(), "currency": "EU"}, "Tariff")
    assert "$.language:" in violations_of({"language": "e", "text": "x"}, "DisplayText")


def test_urls_must_be_absolute() -> None:
    assert "$.url: '/ocpi/versions' is not a 'uri'" in violations_of(
        {**credentials(), "url": "/ocpi/versions"}, "Credentials"
    )


def test_step_size_zero_is_allowed_but_negative_is_not() -> None:
    flat = {"type": "FLAT", "price": 0.0, "step_size": 0}
    validate(flat, "PriceComponent")
    violations_of({**flat, "step_size": -1}, "PriceComponent")


# --- envelopes -------------------------------------------------------------------------------


def envelope(data: object) -> dict[str, Any]:
    return {"data": data, "status_code": 1000, "status_message": "Success", "timestamp": TS}


def test_valid_envelopes_pass() -> None:
    validate_response(envelope(location()), "Location")
    validate_response(envelope([location(), location()]), "Location", many=True)
    validate_response(envelope([]), "Tariff", many=True)
    validate_response({"status_code": 2001, "timestamp": "2026-01-02T03:04:05"}, None)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"status_code": "1000"}, "$.status_code: '1000' is not of type 'integer'"),
        ({"status_code": 200}, "$.status_code: 200 is less than the minimum"),
        ({"timestamp": "2026-01-02T03:04:05+00:00"}, "$.timestamp:"),
        ({"status_message": 5}, "$.status_message: 5 is not of type 'string'"),
        ({"extra": 1}, "'extra' was unexpected"),
    ],
)
def test_bad_envelope_fields_fail(change: dict[str, Any], expected: str) -> None:
    with pytest.raises(AssertionError, match=re.escape(expected)):
        validate_response({**envelope(location()), **change}, "Location")


def test_envelope_missing_fields_fail() -> None:
    for field in ("status_code", "timestamp", "data"):
        env = envelope(location())
        del env[field]
        with pytest.raises(AssertionError, match=f"'{field}' is a required property"):
            validate_response(env, "Location")


def test_envelope_data_items_are_checked_with_their_paths() -> None:
    bad = location()
    bad["evses"][0]["connectors"] = connector()  # a single object instead of a list
    with pytest.raises(AssertionError, match=r"\$\.data\[1\]\.evses\[0\]\.connectors: "):
        validate_response(envelope([location(), bad]), "Location", many=True)
    with pytest.raises(AssertionError, match=r"\$\.data: .* is not of type 'array'"):
        validate_response(envelope(location()), "Location", many=True)
    with pytest.raises(AssertionError, match=r"\$\.data: .* is not of type 'object'"):
        validate_response(envelope([location()]), "Location", many=False)


# --- pagination headers -----------------------------------------------------------------------

NEXT = (
    "https://cpo.example.com/ocpi/2.2.1/locations?offset=10&limit=10&date_from=2026-01-01T00:00:00Z"
)


def test_valid_pagination_headers() -> None:
    page = validate_headers_paginated(
        {"Link": f'<{NEXT}>; rel="next"', "X-Total-Count": "25", "X-Limit": "10"}, expect_next=True
    )
    assert page == schemas.PageHeaders(NEXT, 25, 10)
    last = validate_headers_paginated({"x-total-count": "0", "x-limit": "100"}, expect_next=False)
    assert last == schemas.PageHeaders(None, 0, 100)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Link": '</ocpi/2.2.1/locations?offset=10>; rel="next"'}, "not an absolute"),
        ({"Link": f'<{NEXT}>; rel="prev"'}, "not of the form"),
        ({"Link": NEXT}, "not of the form"),
        ({"X-Total-Count": "ten"}, "X-Total-Count: 'ten' is not a decimal integer"),
        ({"X-Total-Count": "-1"}, "X-Total-Count: '-1' is not a decimal integer"),
        ({"X-Limit": "2.5"}, "X-Limit: '2.5' is not a decimal integer"),
        ({"X-Limit": "0"}, "X-Limit: 0 is less than the minimum of 1"),
    ],
)
def test_bad_pagination_headers_fail(headers: dict[str, str], expected: str) -> None:
    base = {"Link": f'<{NEXT}>; rel="next"', "X-Total-Count": "25", "X-Limit": "10"}
    with pytest.raises(AssertionError, match=re.escape(expected)):
        validate_headers_paginated({**base, **headers})


def test_missing_pagination_headers_fail() -> None:
    with pytest.raises(AssertionError) as caught:
        validate_headers_paginated({"Content-Type": "application/json"})
    assert "X-Total-Count: expected exactly one header" in str(caught.value)
    assert "X-Limit: expected exactly one header" in str(caught.value)
    with pytest.raises(AssertionError, match="Link: missing"):
        validate_headers_paginated({"X-Total-Count": "25", "X-Limit": "10"}, expect_next=True)
    with pytest.raises(AssertionError, match="should be the last page"):
        validate_headers_paginated(
            {"Link": f'<{NEXT}>; rel="next"', "X-Total-Count": "25", "X-Limit": "10"},
            expect_next=False,
        )


def test_a_correction_refuses_a_schema_it_does_not_recognise() -> None:
    # upstream fixed (or changed) the defect: the correction must be reviewed, not re-applied
    docs = {
        "components/schemas/RegularHours.yaml": {"properties": {"weekday": {"type": "integer"}}}
    }
    with pytest.raises(schemas.SchemaDriftError, match=r"RegularHours\.weekday"):
        schemas.fix_weekday_integer(docs)
