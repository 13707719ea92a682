"""Commands module (spec chapter 13): the five requests, the sync response, the async result."""

from __future__ import annotations

from ..enums import CommandResponseType, CommandResultType
from ..types import URL, CiString36, DateTime, Seconds
from .base import OcpiModel
from .common import DisplayText
from .tokens import Token


class StartSession(OcpiModel):
    response_url: URL
    token: Token
    location_id: CiString36
    evse_uid: CiString36 | None = None
    connector_id: CiString36 | None = None
    authorization_reference: CiString36 | None = None


class StopSession(OcpiModel):
    response_url: URL
    session_id: CiString36


class ReserveNow(OcpiModel):
    response_url: URL
    token: Token
    expiry_date: DateTime
    reservation_id: CiString36
    location_id: CiString36
    evse_uid: CiString36 | None = None
    authorization_reference: CiString36 | None = None


class CancelReservation(OcpiModel):
    response_url: URL
    reservation_id: CiString36


class UnlockConnector(OcpiModel):
    response_url: URL
    location_id: CiString36
    evse_uid: CiString36
    connector_id: CiString36


class CommandResponse(OcpiModel):
    result: CommandResponseType
    timeout: Seconds
    message: list[DisplayText] | None = None


class CommandResult(OcpiModel):
    result: CommandResultType
    message: list[DisplayText] | None = None
