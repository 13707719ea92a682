"""The exception classes: status-code mapping, families, one-line messages."""

from __future__ import annotations

import pytest

from emsp_tui.ocpi import errors as e


@pytest.mark.parametrize(
    ("code", "cls", "family"),
    [
        (2000, e.OcpiClientError, e.OcpiClientError),
        (2001, e.InvalidParametersError, e.OcpiClientError),
        (2002, e.NotEnoughInformationError, e.OcpiClientError),
        (2003, e.UnknownLocationError, e.OcpiClientError),
        (2004, e.UnknownTokenError, e.OcpiClientError),
        (2901, e.OcpiClientError, e.OcpiClientError),
        (3000, e.OcpiServerError, e.OcpiServerError),
        (3001, e.ClientApiError, e.OcpiServerError),
        (3002, e.UnsupportedVersionError, e.OcpiServerError),
        (3003, e.NoMatchingEndpointsError, e.OcpiServerError),
        (3999, e.OcpiServerError, e.OcpiServerError),
        (4000, e.OcpiHubError, e.OcpiHubError),
        (4001, e.UnknownReceiverError, e.OcpiHubError),
        (4002, e.HubTimeoutError, e.OcpiHubError),
        (4003, e.HubConnectionError, e.OcpiHubError),
        (4950, e.OcpiHubError, e.OcpiHubError),
        (5000, e.OcpiProtocolError, e.OcpiError),
        (0, e.OcpiProtocolError, e.OcpiError),
    ],
)
def test_error_for_picks_the_class(code: int, cls: type[e.OcpiError], family: type) -> None:
    err = e.error_for(code, "why", http_status=200, url="https://p/x", method="GET")
    assert type(err) is cls
    assert isinstance(err, family)
    assert isinstance(err, e.OcpiError)
    assert err.status_code == code
    assert err.status_message == "why"


def test_message_is_one_readable_line_with_the_context() -> None:
    err = e.error_for(
        2003,
        "Location\n  LOC-9 is\tnot known",
        http_status=200,
        url="https://cpo/ocpi/2.2.1/commands/START_SESSION",
        method="POST",
        request_id="req-1",
        correlation_id="cor-1",
    )
    text = str(err)
    assert "\n" not in text
    assert "\t" not in text
    assert text == (
        "OCPI 2003 unknown location: Location LOC-9 is not known "
        "(POST https://cpo/ocpi/2.2.1/commands/START_SESSION, HTTP 200, request req-1)"
    )
    assert err.correlation_id == "cor-1"


def test_long_peer_messages_are_capped() -> None:
    err = e.OcpiHttpError("x" * 5000, http_status=500)
    assert len(str(err)) < 400


def test_errors_without_status_say_what_happened() -> None:
    assert str(e.OcpiTransportError("ConnectError", method="GET", url="http://p/v")) == (
        "peer unreachable: ConnectError (GET http://p/v)"
    )
    assert str(e.OcpiUnauthorizedError(http_status=401)) == "credentials token refused (HTTP 401)"


def test_registration_state_errors_are_client_errors() -> None:
    assert issubclass(e.AlreadyRegisteredError, e.RegistrationStateError)
    assert issubclass(e.NotRegisteredError, e.OcpiClientError)
    assert "already registered" in str(e.AlreadyRegisteredError(http_status=405))
