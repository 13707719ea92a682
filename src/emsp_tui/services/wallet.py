"""The driver's wallet: virtual RFID cards (OCPI Tokens) we issue, block and unblock.

Contract ids are eMI3 / ISO 15118 eMA IDs, ``NL-EMS-C12345678-X``: country, provider (our party
id), a 9-character instance and a check character computed by the eMI3 algorithm below.

Telling partners about a new or changed token (OCPI PUT to their tokens Receiver) belongs to the
token push: every change committed here is published as ``CardChanged`` on the event bus (and
awaited). A failing subscriber is logged; the local change stands.
"""

from __future__ import annotations

import logging
import random
import re
import secrets
import sqlite3
from collections.abc import Callable
from datetime import datetime

from ..config import Identity
from ..ocpi.enums import TokenType, WhitelistType
from ..ocpi.models import Token
from ..store import Database
from ..store import tokens as store
from ..store.tokens import StoredToken
from .events import CardChanged, EventBus

log = logging.getLogger(__name__)


# -- eMI3 check character -----------------------------------------------------------------------
# Each character stands for a 2x2 matrix: its top row (q1) lives in Z/2, its bottom row (q2) in
# Z/3. Character number n (0-9 then A-Z) has q1 = the two bits of n // 9 (high bit first), and
# q2 = the two base-3 digits of n % 9. Position i (0-based) is weighted with P1^(i+1) over Z/2 and
# P2^(i+1) over Z/3; the sums, the second one multiplied by -P2^-15, give the matrix of the check
# character. (eMI3 "Check Digit Calculation for Contract-IDs", as used by ISO 15118 eMA IDs.)
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_P1 = ((0, 1), (1, 1))
_P2 = ((0, 1), (1, 2))
_NEG_P2_INV_15 = ((0, 2), (2, 1))
_EMAID = re.compile(r"^([A-Z]{2})-?([A-Z0-9]{3})-?([A-Z0-9]{9})(?:-?([A-Z0-9]))?$")

Matrix = tuple[tuple[int, int], tuple[int, int]]


def _mul(a: Matrix, b: Matrix, mod: int) -> Matrix:
    return (
        (
            (a[0][0] * b[0][0] + a[0][1] * b[1][0]) % mod,
            (a[0][0] * b[0][1] + a[0][1] * b[1][1]) % mod,
        ),
        (
            (a[1][0] * b[0][0] + a[1][1] * b[1][0]) % mod,
            (a[1][0] * b[0][1] + a[1][1] * b[1][1]) % mod,
        ),
    )


def _powers(p: Matrix, mod: int, count: int) -> list[Matrix]:
    out, m = [], p
    for _ in range(count):
        out.append(m)
        m = _mul(m, p, mod)
    return out


_P1S = _powers(_P1, 2, 14)
_P2S = _powers(_P2, 3, 14)


def _rows(char: str) -> tuple[tuple[int, int], tuple[int, int]]:
    n = _ALPHABET.index(char)
    high, low = divmod(n, 9)
    return (high >> 1, high & 1), (low // 3, low % 3)


def emi3_check_character(base: str) -> str:
    """The check character of a 14-character eMA ID without separators (``NLEMSC12345678``)."""
    code = base.upper()
    if len(code) != 14 or any(c not in _ALPHABET for c in code):
        raise ValueError(f"need 14 letters or digits, got {base!r}")
    t1, t2 = [0, 0], [0, 0]
    for i, char in enumerate(code):
        q1, q2 = _rows(char)
        p1, p2 = _P1S[i], _P2S[i]
        for col in (0, 1):
            t1[col] += q1[0] * p1[0][col] + q1[1] * p1[1][col]
            t2[col] += q2[0] * p2[0][col] + q2[1] * p2[1][col]
    n = _NEG_P2_INV_15
    r2 = (
        (t2[0] * n[0][0] + t2[1] * n[1][0]) % 3,
        (t2[0] * n[0][1] + t2[1] * n[1][1]) % 3,
    )
    high = (t1[0] % 2) << 1 | (t1[1] % 2)
    return _ALPHABET[high * 9 + r2[0] * 3 + r2[1]]


def format_contract_id(country_code: str, provider: str, instance: str) -> str:
    """``NL``, ``EMS``, ``C12345678`` -> ``NL-EMS-C12345678-X`` (with its check character)."""
    cc, pid, inst = country_code.upper(), provider.upper(), instance.upper()
    check = emi3_check_character(cc + pid + inst)
    return f"{cc}-{pid}-{inst}-{check}"


def is_valid_contract_id(text: str) -> bool:
    """An eMA ID with a correct check character (separators optional)."""
    match = _EMAID.match(text.strip().upper())
    if not match or match.group(4) is None:
        return False
    cc, pid, inst, check = match.groups()
    return emi3_check_character(cc + pid + inst) == check


# -- cards ------------------------------------------------------------------------------------
class WalletError(Exception):
    """A wallet operation failed; the message is one readable line."""


class WalletService:
    """Issues, lists, blocks and unblocks the driver's virtual RFID cards."""

    def __init__(
        self,
        db: Database,
        identity: Identity,
        events: EventBus,
        *,
        now: Callable[[], datetime],
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.identity = identity
        self.events = events  # CardChanged after every change (the token push subscribes)
        self.now = now
        self.rng = rng  # tests pass a seeded one; None: cryptographic randomness

    @property
    def _identity(self) -> tuple[str, str, str]:
        ident = self.identity
        return ident.country_code.upper(), ident.party_id.upper(), ident.name

    async def cards(self) -> list[StoredToken]:
        cc, pid, _ = self._identity
        return await self.db.run(store.list_tokens, cc, pid)

    async def ensure_card(self) -> StoredToken | None:
        """A driver account comes with one virtual card: issue it if there is none yet."""
        if await self.cards():
            return None
        return await self.issue()

    async def issue(self, label: str | None = None) -> StoredToken:
        """A new virtual RFID card, valid at once."""
        cc, pid, issuer = self._identity
        now = self.now()
        for _ in range(20):
            uid = self._random_hex(7)  # 7-byte UID, like most RFID cards (NFC type A)
            instance = "C" + self._random_digits(8)
            contract_id = format_contract_id(cc, pid, instance)
            token = Token(
                country_code=cc,
                party_id=pid,
                uid=uid,
                type=TokenType.RFID,
                contract_id=contract_id,
                visual_number=f"{pid} {instance[1:5]} {instance[5:]} {contract_id[-1]}",
                issuer=issuer,
                valid=True,
                whitelist=WhitelistType.ALLOWED,
                last_updated=now,
            )
            try:
                stored = await self.db.run(_insert_new, token, now, label)
            except sqlite3.IntegrityError:
                stored = None
            if stored is not None:
                await self._notify(stored.token)
                return stored
        raise WalletError("could not find a free card number; try again")

    async def set_blocked(self, uid: str, blocked: bool) -> StoredToken:
        cc, pid, _ = self._identity
        stored = await self.db.run(store.set_valid, cc, pid, uid, not blocked, self.now())
        if stored is None:
            raise WalletError(f"no card with UID {uid}")
        await self._notify(stored.token)
        return stored

    async def block(self, uid: str) -> StoredToken:
        return await self.set_blocked(uid, True)

    async def unblock(self, uid: str) -> StoredToken:
        return await self.set_blocked(uid, False)

    async def _notify(self, token: Token) -> None:
        await self.events.publish(CardChanged(token))

    def _random_hex(self, size: int) -> str:
        if self.rng is None:
            return secrets.token_hex(size).upper()
        return "".join(f"{self.rng.randrange(256):02X}" for _ in range(size))

    def _random_digits(self, count: int) -> str:
        if self.rng is None:
            return "".join(secrets.choice("0123456789") for _ in range(count))
        return "".join(str(self.rng.randrange(10)) for _ in range(count))


def _insert_new(
    conn: sqlite3.Connection, token: Token, now: datetime, label: str | None
) -> StoredToken | None:
    if store.taken(conn, token.uid, token.contract_id):
        return None
    store.insert_token(conn, token, now, label)
    return store.get_token(conn, token.country_code, token.party_id, token.uid)
