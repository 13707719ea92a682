"""ISO 11649 structured creditor references ("RF" + 2 check digits + up to 21 alphanumerics).

Check digits are ISO 7064 MOD 97-10: letters count as 10..35, the reference is read with "RF00"
appended, and the check is 98 minus that number modulo 97; a valid reference, read with its
first four characters moved to the end, is 1 modulo 97.
"""

from __future__ import annotations

import re

_BODY = re.compile(r"^[0-9A-Z]{1,21}$")
_REFERENCE = re.compile(r"^RF[0-9]{2}[0-9A-Z]{1,21}$")


def _as_number(text: str) -> int:
    return int("".join(str(int(char, 36)) for char in text))


def _compact(text: str) -> str:
    return "".join(text.split()).upper()


def rf_reference(body: str) -> str:
    """The RF reference for ``body`` (1..21 letters or digits; spaces are ignored)."""
    body = _compact(body)
    if not _BODY.match(body):
        raise ValueError(f"an RF reference carries 1 to 21 letters or digits, not {body!r}")
    check = 98 - _as_number(body + "RF00") % 97
    return f"RF{check:02d}{body}"


def rf_reference_for(document_number: str) -> str:
    """The RF reference of a document number: its letters and digits (INV-2026-000123 ->
    RF.. INV2026000123), so a transfer names the invoice it pays."""
    return rf_reference("".join(char for char in document_number if char.isalnum()))


def is_valid_rf(reference: str) -> bool:
    compact = _compact(reference)
    if not _REFERENCE.match(compact):
        return False
    return _as_number(compact[4:] + compact[:4]) % 97 == 1


def format_rf(reference: str) -> str:
    """The paper form, in groups of four: RF18 5390 0754 7034."""
    compact = _compact(reference)
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
