"""Who is calling: a registered partner (their token), or a peer registering (a TOKEN_A).

The partner is read from the database on every request, its parties included, never cached:
what a credentials PUT changed (a party dropped, a token rotated) holds from the next request.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from ..ocpi.auth import token_candidates
from ..store import partners as store
from ..store.partners import Partner
from .context import ReceiverContext


@dataclass
class Caller:
    token: str
    partner: Partner | None  # None: the token is a registration token (TOKEN_A)


async def identify(request: Request, ctx: ReceiverContext, *, allow_token_a: bool) -> Caller | None:
    # Base64 per 2.2.1, or the raw token older peers send (pitfall 1): try both readings.
    candidates = token_candidates(request.headers.get("authorization", ""))
    if not candidates:
        return None

    def lookup(conn):  # type: ignore[no-untyped-def]
        for token in candidates:
            partner = store.partner_by_token(conn, token)
            if partner is not None:
                return Caller(token, partner)
            if allow_token_a and store.is_registration_token(conn, token):
                return Caller(token, None)
        return None

    caller: Caller | None = await ctx.db.run(lookup)
    if caller is not None and caller.partner is not None:
        request.state.partner = caller.partner  # for the OCPI message log
    return caller
