"""What a user types as a partner's versions URL, and what to tell them when it goes nowhere.

Shared by the faces that connect partners (``emsp partners add``, the app's partner dialog):
a typo is said to be a typo, and a host that does not answer is said not to answer, instead of
both ending up as "invalid OCPI response". Pure: no I/O.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..ocpi.errors import OcpiTransportError

EXAMPLE = "https://ocpi.example.com/ocpi/versions"


class NotAUrl(ValueError):
    """The text is not an http(s) URL; the message says what was expected (one line)."""


def check_versions_url(text: str) -> str:
    """``text`` stripped, if it is an http(s) URL with a host; else NotAUrl."""
    url = text.strip()
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
        parts = urlsplit("")
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname or not port_ok:
        raise NotAUrl(
            f"{text!r} is not a URL: give the partner's OCPI versions URL, e.g. {EXAMPLE}"
        )
    return url


def registration_failure(versions_url: str, err: BaseException) -> str:
    """One line for a failed registration, naming an unreachable host as such."""
    cause = err if isinstance(err, OcpiTransportError) else err.__cause__
    if isinstance(cause, OcpiTransportError):
        parts = urlsplit(versions_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        reason = f": {cause.message}" if cause.message else ""
        return f"could not connect to {parts.hostname}:{port} ({versions_url}){reason}"
    return str(err)
