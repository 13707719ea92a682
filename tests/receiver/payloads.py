"""Valid OCPI objects for the receiver tests (JSON-ready dicts, fresh copies each call)."""

from __future__ import annotations

from typing import Any

V = "/ocpi/2.2.1/emsp"


def cdr_token(uid: str = "04A1B2C3D4E5F6") -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "EMS",
        "uid": uid,
        "type": "RFID",
        "contract_id": "NL-EMS-C12345678-X",
    }


def period(start: str, kwh: float, kw: float = 11.0, soc: float | None = None) -> dict[str, Any]:
    dims = [
        {"type": "ENERGY", "volume": kwh},
        {"type": "TIME", "volume": 0.25},
        {"type": "POWER", "volume": kw},
    ]
    if soc is not None:
        dims.append({"type": "STATE_OF_CHARGE", "volume": soc})
    return {"start_date_time": start, "dimensions": dims, "tariff_id": "T1"}


def session(sid: str = "S-1", cc: str = "DE", pid: str = "VOL", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "country_code": cc,
        "party_id": pid,
        "id": sid,
        "start_date_time": "2026-03-01T10:00:00Z",
        "kwh": 0,
        "cdr_token": cdr_token(),
        "auth_method": "COMMAND",
        "authorization_reference": "AUTH-REF-1",
        "location_id": "LOC-1",
        "evse_uid": "EVSE-1",
        "connector_id": "1",
        "currency": "EUR",
        "status": "PENDING",
        "last_updated": "2026-03-01T10:00:00Z",
    }
    body.update(extra)
    return body


def cdr(cid: str = "CDR-1", cc: str = "DE", pid: str = "VOL", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "country_code": cc,
        "party_id": pid,
        "id": cid,
        "start_date_time": "2026-03-01T10:00:00Z",
        "end_date_time": "2026-03-01T11:00:00Z",
        "session_id": "S-1",
        "cdr_token": cdr_token(),
        "auth_method": "COMMAND",
        "cdr_location": {
            "id": "LOC-1",
            "address": "Main street 1",
            "city": "Berlin",
            "country": "DEU",
            "coordinates": {"latitude": "52.52000", "longitude": "13.40500"},
            "evse_uid": "EVSE-1",
            "evse_id": "DE*VOL*E1",
            "connector_id": "1",
            "connector_standard": "IEC_62196_T2",
            "connector_format": "SOCKET",
            "connector_power_type": "AC_3_PHASE",
        },
        "currency": "EUR",
        "charging_periods": [
            {
                "start_date_time": "2026-03-01T10:00:00Z",
                "dimensions": [{"type": "ENERGY", "volume": 11.0}],
            }
        ],
        "total_cost": {"excl_vat": 4.4, "incl_vat": 5.24},
        "total_energy": 11.0,
        "total_time": 1.0,
        "last_updated": "2026-03-01T11:00:00Z",
    }
    body.update(extra)
    return body


def location(lid: str = "LOC-1", cc: str = "DE", pid: str = "VOL", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "country_code": cc,
        "party_id": pid,
        "id": lid,
        "publish": True,
        "address": "Main street 1",
        "city": "Berlin",
        "country": "DEU",
        "coordinates": {"latitude": "52.52000", "longitude": "13.40500"},
        "time_zone": "Europe/Berlin",
        "last_updated": "2026-03-01T09:00:00Z",
        "evses": [
            {
                "uid": "EVSE-1",
                "evse_id": "DE*VOL*E1",
                "status": "AVAILABLE",
                "capabilities": ["REMOTE_START_STOP_CAPABLE", "RFID_READER"],
                "last_updated": "2026-03-01T09:00:00Z",
                "connectors": [
                    {
                        "id": "1",
                        "standard": "IEC_62196_T2",
                        "format": "SOCKET",
                        "power_type": "AC_3_PHASE",
                        "max_voltage": 230,
                        "max_amperage": 16,
                        "tariff_ids": ["T1"],
                        "last_updated": "2026-03-01T09:00:00Z",
                    }
                ],
            }
        ],
    }
    body.update(extra)
    return body
