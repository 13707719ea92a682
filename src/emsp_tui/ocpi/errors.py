"""Exceptions of the OCPI client, one class per status-code family and per failure kind.

Every exception carries what the support console needs (OCPI status, HTTP status, method, URL,
request and correlation ids) and ``str(err)`` is one readable line. Nothing here ever holds a
credentials token: the client scrubs peer-supplied text before it lands in an exception.
"""

from __future__ import annotations

from . import status

_MAX_MESSAGE = 300


def one_line(text: str, limit: int = _MAX_MESSAGE) -> str:
    """Collapse whitespace (peers send HTML, stack traces) and cap the length."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class OcpiError(Exception):
    """Base of every OCPI client failure."""

    #: A one-line description of the class, used when there is no better message.
    summary = "OCPI request failed"

    def __init__(
        self,
        message: str | None = None,
        *,
        status_code: int | None = None,
        status_message: str | None = None,
        http_status: int | None = None,
        url: str | None = None,
        method: str | None = None,
        request_id: str | None = None,
        correlation_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.message = one_line(message) if message else None
        self.status_code = status_code
        self.status_message = one_line(status_message) if status_message else None
        self.http_status = http_status
        self.url = url
        self.method = method
        self.request_id = request_id
        self.correlation_id = correlation_id
        self.retry_after = retry_after  # seconds, from a 429/503 Retry-After header
        super().__init__(self.message or self.summary)

    def __str__(self) -> str:
        head = self.summary
        if self.status_code is not None:
            head = f"OCPI {self.status_code} {head}"
        details = [d for d in (self.message, self.status_message) if d]
        text = f"{head}: {' - '.join(details)}" if details else head
        where = []
        if self.method or self.url:
            where.append(" ".join(p for p in (self.method, self.url) if p))
        if self.http_status is not None:
            where.append(f"HTTP {self.http_status}")
        if self.request_id:
            where.append(f"request {self.request_id}")
        return f"{text} ({', '.join(where)})" if where else text

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


# --- OCPI status-code families (spec 1.4) -------------------------------------------------


class OcpiClientError(OcpiError):
    """2xxx: the peer says our request was wrong."""

    summary = "client error"


class InvalidParametersError(OcpiClientError):
    summary = "invalid or missing parameters"


class NotEnoughInformationError(OcpiClientError):
    summary = "not enough information"


class UnknownLocationError(OcpiClientError):
    summary = "unknown location"


class UnknownTokenError(OcpiClientError):
    summary = "unknown token"


class OcpiServerError(OcpiError):
    """3xxx: the peer failed on its side."""

    summary = "server error"


class ClientApiError(OcpiServerError):
    summary = "peer could not use our API"


class UnsupportedVersionError(OcpiServerError):
    summary = "unsupported version"


class NoMatchingEndpointsError(OcpiServerError):
    summary = "no matching endpoints"


class OcpiHubError(OcpiError):
    """4xxx: the hub could not route or deliver the request."""

    summary = "hub error"


class UnknownReceiverError(OcpiHubError):
    summary = "unknown receiver"


class HubTimeoutError(OcpiHubError):
    summary = "hub timeout"


class HubConnectionError(OcpiHubError):
    summary = "receiver not connected to the hub"


# --- failures without a usable OCPI status ------------------------------------------------


class OcpiUnauthorizedError(OcpiError):
    """HTTP 401/403: the peer does not accept our credentials token."""

    summary = "credentials token refused"


class OcpiHttpError(OcpiError):
    """A non-2xx HTTP status without a usable OCPI envelope."""

    summary = "HTTP error"


class OcpiTransportError(OcpiError):
    """No HTTP response at all: connection refused, DNS, TLS, timeout."""

    summary = "peer unreachable"


class OcpiNotSentError(OcpiTransportError):
    """No connection could be made: the peer cannot have acted on the request. (Any other
    transport error may come after the peer received it: a POSTed command may have run.)"""


class OcpiProtocolError(OcpiError):
    """The peer answered, but not with a valid OCPI envelope or object."""

    summary = "invalid OCPI response"


# --- credentials registration (spec 3: 405 on misuse) -------------------------------------


class RegistrationStateError(OcpiClientError):
    """HTTP 405 on the credentials module: we and the peer disagree on whether we are registered."""

    summary = "registration state mismatch"


class AlreadyRegisteredError(RegistrationStateError):
    summary = "already registered with this peer (update with PUT, or unregister first)"


class NotRegisteredError(RegistrationStateError):
    summary = "not registered with this peer"


_BY_CODE: dict[int, type[OcpiError]] = {
    status.INVALID_PARAMETERS: InvalidParametersError,
    status.NOT_ENOUGH_INFORMATION: NotEnoughInformationError,
    status.UNKNOWN_LOCATION: UnknownLocationError,
    status.UNKNOWN_TOKEN: UnknownTokenError,
    status.CLIENT_API_ERROR: ClientApiError,
    status.UNSUPPORTED_VERSION: UnsupportedVersionError,
    status.NO_MATCHING_ENDPOINTS: NoMatchingEndpointsError,
    status.UNKNOWN_RECEIVER: UnknownReceiverError,
    status.HUB_TIMEOUT: HubTimeoutError,
    status.HUB_CONNECTION_PROBLEM: HubConnectionError,
}

_BY_FAMILY: dict[int, type[OcpiError]] = {
    2: OcpiClientError,
    3: OcpiServerError,
    4: OcpiHubError,
}


def error_class(status_code: int) -> type[OcpiError]:
    """The exception class for a non-success OCPI status code (custom x9xx → the family)."""
    if cls := _BY_CODE.get(status_code):
        return cls
    if 1000 <= status_code <= 9999 and (family := _BY_FAMILY.get(status_code // 1000)):
        return family
    return OcpiProtocolError  # not a status code OCPI defines (e.g. 0, 200, 5000)


def error_for(
    status_code: int,
    status_message: str | None = None,
    *,
    message: str | None = None,
    http_status: int | None = None,
    url: str | None = None,
    method: str | None = None,
    request_id: str | None = None,
    correlation_id: str | None = None,
    retry_after: float | None = None,
) -> OcpiError:
    """Build the exception for an error envelope (``status_code`` outside 1000-1999)."""
    cls = error_class(status_code)
    if cls is OcpiProtocolError and message is None:
        message = f"unknown status_code {status_code}"
    return cls(
        message,
        status_code=status_code,
        status_message=status_message,
        http_status=http_status,
        url=url,
        method=method,
        request_id=request_id,
        correlation_id=correlation_id,
        retry_after=retry_after,
    )
