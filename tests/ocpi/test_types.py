"""OCPI basic types: DateTime leniency and canonical output, string limits, model rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from emsp_tui.ocpi import models as m
from emsp_tui.ocpi.types import format_datetime, parse_datetime


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-06-29T20:39:09Z", datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)),
        ("2015-06-29T20:39:09", datetime(2015, 6, 29, 20, 39, 9, tzinfo=UTC)),
        ("2016-12-29T17:45:09.2Z", datetime(2016, 12, 29, 17, 45, 9, 200000, tzinfo=UTC)),
        ("2018-01-01T01:08:01.123", datetime(2018, 1, 1, 1, 8, 1, 123000, tzinfo=UTC)),
        ("2018-01-01T03:08:01+02:00", datetime(2018, 1, 1, 1, 8, 1, tzinfo=UTC)),
    ],
)
def test_datetime_parses_leniently_to_utc(text: str, expected: datetime) -> None:
    assert parse_datetime(text) == expected
    parsed = m.ExceptionalPeriod.model_validate({"period_begin": text, "period_end": text})
    assert parsed.period_begin == expected
    assert parsed.period_begin.tzinfo is not None


def test_datetime_is_emitted_in_utc_with_z() -> None:
    cet = timezone(timedelta(hours=1))
    assert format_datetime(datetime(2025, 1, 15, 16, 40, tzinfo=cet)) == "2025-01-15T15:40:00Z"
    assert format_datetime(datetime(2025, 1, 15, 15, 40, 0, 250000, tzinfo=UTC)) == (
        "2025-01-15T15:40:00.250Z"
    )
    period = m.ExceptionalPeriod(
        period_begin=datetime(2025, 1, 15, 16, 40, tzinfo=cet),
        period_end=datetime(2025, 1, 15, 17, 0, tzinfo=cet),
    )
    assert period.to_ocpi() == {
        "period_begin": "2025-01-15T15:40:00Z",
        "period_end": "2025-01-15T16:00:00Z",
    }


def test_datetime_edges_are_emitted_in_four_digits_or_refused() -> None:
    assert format_datetime(datetime(1, 1, 1, tzinfo=UTC)) == "0001-01-01T00:00:00Z"
    assert format_datetime(datetime(999, 12, 31, 23, 59, 59, 5000, tzinfo=UTC)) == (
        "0999-12-31T23:59:59.005Z"
    )
    # an offset that moves the moment outside years 1-9999 is a validation error, not a crash
    for text in ["0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"]:
        with pytest.raises(ValidationError, match="OCPI DateTime"):
            m.ExceptionalPeriod.model_validate({"period_begin": text, "period_end": text})


def test_absent_fields_are_omitted_not_null() -> None:
    price = m.Price(excl_vat=1.5)
    assert price.to_ocpi() == {"excl_vat": 1.5}


def test_cistring_rejects_non_ascii_and_long_values() -> None:
    base = {"language": "en", "text": "ok"}
    assert m.DisplayText.model_validate(base).text == "ok"
    with pytest.raises(ValidationError, match="location_id"):
        m.LocationReferences.model_validate({"location_id": "Zürich-1"})
    with pytest.raises(ValidationError, match="location_id"):
        m.LocationReferences.model_validate({"location_id": "x" * 37})


def test_geolocation_follows_the_spec_pattern() -> None:
    assert m.GeoLocation(latitude="51.047599", longitude="3.729944")
    with pytest.raises(ValidationError, match="latitude"):
        m.GeoLocation(latitude="51.04", longitude="3.729944")


def test_plus_lists_need_one_item() -> None:
    with pytest.raises(ValidationError, match="roles"):
        m.Credentials(token="t", url="https://x/versions", roles=[])


def test_unknown_fields_are_tolerated_and_not_echoed() -> None:
    text = m.DisplayText.model_validate({"language": "en", "text": "hi", "from_ocpi_3": 1})
    assert text.to_ocpi() == {"language": "en", "text": "hi"}


def test_credentials_never_show_their_token() -> None:
    creds = m.Credentials.model_validate(
        {
            "token": "very-secret-token",
            "url": "https://x/versions",
            "roles": [
                {
                    "role": "EMSP",
                    "party_id": "EMS",
                    "country_code": "NL",
                    "business_details": {"name": "x"},
                }
            ],
        }
    )
    assert "very-secret-token" not in repr(creds)
    assert "very-secret-token" not in str(creds)


def test_cdr_rejects_session_only_dimensions() -> None:
    period = {
        "start_date_time": "2025-01-01T00:00:00Z",
        "dimensions": [{"type": "POWER", "volume": 1}],
    }
    with pytest.raises(ValidationError, match="Session-only"):
        m.Cdr.model_validate(
            {
                "country_code": "NL",
                "party_id": "CPO",
                "id": "c1",
                "start_date_time": "2025-01-01T00:00:00Z",
                "end_date_time": "2025-01-01T01:00:00Z",
                "cdr_token": {
                    "country_code": "NL",
                    "party_id": "EMS",
                    "uid": "u",
                    "type": "RFID",
                    "contract_id": "NL-EMS-C00000001-X",
                },
                "auth_method": "WHITELIST",
                "cdr_location": {
                    "id": "L",
                    "address": "a",
                    "city": "c",
                    "country": "NLD",
                    "coordinates": {"latitude": "52.00000", "longitude": "4.00000"},
                    "evse_uid": "E",
                    "evse_id": "NL*CPO*E1",
                    "connector_id": "1",
                    "connector_standard": "IEC_62196_T2",
                    "connector_format": "SOCKET",
                    "connector_power_type": "AC_3_PHASE",
                },
                "currency": "EUR",
                "charging_periods": [period],
                "total_cost": {"excl_vat": 0},
                "total_energy": 0,
                "total_time": 1,
                "last_updated": "2025-01-01T01:00:00Z",
            }
        )


def test_connector_power_in_kw() -> None:
    ac = m.Connector.model_validate(
        {
            "id": "1",
            "standard": "IEC_62196_T2",
            "format": "SOCKET",
            "power_type": "AC_3_PHASE",
            "max_voltage": 230,
            "max_amperage": 32,
            "last_updated": "2025-01-01T00:00:00Z",
        }
    )
    assert round(ac.max_power_kw, 1) == 22.1
    dc = ac.model_copy(update={"power_type": "DC", "max_electric_power": 150000})
    assert dc.max_power_kw == 150
