"""OCPI 2.2.1 status codes (the ``status_code`` of every response envelope)."""

from __future__ import annotations

SUCCESS = 1000

CLIENT_ERROR = 2000
INVALID_PARAMETERS = 2001
NOT_ENOUGH_INFORMATION = 2002
UNKNOWN_LOCATION = 2003
UNKNOWN_TOKEN = 2004

SERVER_ERROR = 3000
CLIENT_API_ERROR = 3001
UNSUPPORTED_VERSION = 3002
NO_MATCHING_ENDPOINTS = 3003

HUB_ERROR = 4000
UNKNOWN_RECEIVER = 4001
HUB_TIMEOUT = 4002
HUB_CONNECTION_PROBLEM = 4003


def is_success(code: int) -> bool:
    """1000 and the custom 19xx codes mean success."""
    return 1000 <= code <= 1999
