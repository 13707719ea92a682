"""Whether a failed command request leaves its outcome unknown (issue #11).

A POST that never connected, or that the CPO (or the hub) answered with a definite no, did
nothing. One whose answer we could not read, that timed out or whose connection dropped after
it was sent, or that the hub forwarded without an answer in time, may have started the
charger: the driver is told it is being confirmed, and its CommandResult or its session
decides."""

from __future__ import annotations

from ..ocpi import status
from ..ocpi.errors import (
    OcpiError,
    OcpiHttpError,
    OcpiNotSentError,
    OcpiProtocolError,
    OcpiTransportError,
)


def outcome_unknown(err: OcpiError) -> bool:
    if isinstance(err, OcpiNotSentError):
        return False
    if isinstance(err, OcpiTransportError):
        return True  # sent, then no answer (read timeout, dropped connection)
    if err.status_code == status.HUB_TIMEOUT:
        return True  # the hub forwarded it; the CPO did not answer in time
    http = err.http_status
    if isinstance(err, OcpiProtocolError):
        return http is not None and 200 <= http < 300  # answered "fine", unreadably
    if isinstance(err, OcpiHttpError):
        return http is not None and http >= 500 and http != 503  # 503: not taken in
    return False
