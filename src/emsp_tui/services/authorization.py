"""Real-time authorisation (tokens module, ``POST {tokens}/{uid}/authorize``): the answer comes
from the token's state, and an ``authorization_reference`` is minted for the session to carry.

    valid, no limit hit              ALLOWED   (with a fresh authorization_reference)
    blocked (valid = false)          BLOCKED
    past its expiry (token policy)   EXPIRED
    no credit (token policy)         NO_CREDIT
    at a CPO the policy leaves out   NOT_ALLOWED
    unknown uid/type                 None: the receiver answers HTTP 404 + 2004

Every answer is stored (``authorizations``), refused ones too; only ALLOWED hands out the
reference (a refused token starts no session). Location references are not required (we
never answer 2002); EVSE status and opening hours are ignored, as the spec asks.
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime

from ..ocpi.enums import AllowedType, TokenType
from ..ocpi.models import AuthorizationInfo, DisplayText, LocationReferences
from ..store import tokens as tokens_store
from ..store.authorizations import Authorization, TokenPolicy, get_policy, record_authorization
from ..store.tokens import StoredToken

# What the charger's screen may show the driver (AuthorizationInfo.info).
INFO = {
    AllowedType.ALLOWED: "Card accepted. Happy charging!",
    AllowedType.BLOCKED: "This card is blocked. Unblock it in the app or use another card.",
    AllowedType.EXPIRED: "This card has expired. Get a new one in the app.",
    AllowedType.NO_CREDIT: "Charging is paused on this contract. Check your payments in the app.",
    AllowedType.NOT_ALLOWED: "This card can't be used with this operator.",
}


def decide(
    stored: StoredToken, policy: TokenPolicy, cpo: tuple[str, str] | None, now: datetime
) -> AllowedType:
    """The answer for a known token (pure: the state in, the verdict out)."""
    if not stored.token.valid:
        return AllowedType.BLOCKED
    if policy.expires_at is not None and now >= policy.expires_at:
        return AllowedType.EXPIRED
    if policy.no_credit:
        return AllowedType.NO_CREDIT
    if policy.allowed_cpos is not None:
        party = f"{cpo[0]}*{cpo[1]}".upper() if cpo else None
        if party not in {c.upper() for c in policy.allowed_cpos}:
            return AllowedType.NOT_ALLOWED
    return AllowedType.ALLOWED


@dataclass(frozen=True, slots=True)
class AuthorizeRequest:
    our_party: tuple[str, str]  # the token owner: us
    uid: str
    token_type: TokenType
    location: LocationReferences | None
    partner_id: int | None
    cpo: tuple[str, str] | None  # who asks (OCPI-from), when known
    now: datetime


def authorize(conn: sqlite3.Connection, req: AuthorizeRequest) -> AuthorizationInfo | None:
    """Decide, store the decision, build the AuthorizationInfo; None for an unknown token.

    Runs in one transaction (``Database.run``)."""
    stored = tokens_store.get_token(conn, req.our_party[0], req.our_party[1], req.uid)
    if stored is None or stored.token.type != req.token_type:
        return None
    token = stored.token
    policy = get_policy(conn, token.country_code, token.party_id, token.uid)
    allowed = decide(stored, policy, req.cpo, req.now)
    reference = str(uuid.uuid4())
    refs = req.location
    record_authorization(
        conn,
        Authorization(
            reference,
            req.partner_id,
            f"{req.cpo[0]}*{req.cpo[1]}" if req.cpo else None,
            token.uid,
            str(token.type),
            token.contract_id,
            refs.location_id if refs else None,
            tuple(refs.evse_uids or ()) if refs else (),
            allowed,
            req.now,
        ),
    )
    ok = allowed == AllowedType.ALLOWED
    return AuthorizationInfo(
        allowed=allowed,
        token=token,
        location=refs if ok else None,
        authorization_reference=reference if ok else None,
        info=DisplayText(language=token.language or "en", text=INFO[allowed]),
    )
