"""The OCPI ``Authorization`` header (spec 1.1) and credentials tokens.

2.2.1 sends ``Token <base64(utf8(token))>`` (RFC 4648 §4, standard alphabet, padded); many
2.1.1/2.2 peers still send the raw token, so the client has a per-peer switch and the server side
accepts both (interop pitfall 1).
"""

from __future__ import annotations

import base64
import binascii
import secrets

SCHEME = "Token"
MAX_TOKEN_LENGTH = 64  # Credentials.token is string(64)


def encode_token_header(token: str, raw: bool = False) -> str:
    """The ``Authorization`` value for ``token``: base64 as 2.2.1 wants, or raw for old peers."""
    if not token:
        raise ValueError("empty credentials token")
    if raw:
        return f"{SCHEME} {token}"
    return f"{SCHEME} {base64.b64encode(token.encode('utf-8')).decode('ascii')}"


def _is_token_text(text: str) -> bool:
    """Printable, non-space ASCII (U+0021-U+007E), at most 64 characters."""
    return 0 < len(text) <= MAX_TOKEN_LENGTH and all("!" <= ch <= "~" for ch in text)


def token_candidates(value: str | None) -> tuple[str, ...]:
    """Every token an ``Authorization`` value may stand for, most likely first.

    A value that is valid base64 of a printable token yields the decoded token, then the value
    itself (a raw token can happen to be valid base64); anything else yields the raw value only.
    """
    if not value:
        return ()
    scheme, _, credential = value.strip().partition(" ")
    credential = credential.strip()
    if scheme.lower() != SCHEME.lower() or not credential or not credential.isascii():
        return ()  # our tokens are printable ASCII: nothing else can match one
    try:
        decoded = base64.b64decode(credential, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return (credential,)
    if _is_token_text(decoded) and decoded != credential:
        return (decoded, credential)
    return (credential,)


def decode_token_header(value: str | None) -> str | None:
    """The token in an ``Authorization`` header value (base64 or raw), or None if there is none.

    When the value is both valid base64 of a printable token and could be a raw token, the
    decoded form wins; servers that want to try both use :func:`token_candidates`.
    """
    candidates = token_candidates(value)
    return candidates[0] if candidates else None


def new_credentials_token(nbytes: int = 32) -> str:
    """A fresh credentials token (TOKEN_A/B/C): ``nbytes`` of randomness, URL-safe ASCII.

    The default 32 bytes give 43 characters, never a multiple of 4, so the raw token can never
    be mistaken for base64 by a peer that accepts both forms.
    """
    token = secrets.token_urlsafe(nbytes)
    if len(token) > MAX_TOKEN_LENGTH:
        raise ValueError(f"{nbytes} bytes do not fit a {MAX_TOKEN_LENGTH}-character token")
    return token
