"""The log of every change of a partner's parties (``partner_party_changes``), for support.

Who (partner id and name: the name outlives a deleted partner), when, what happened
(``action``: registered, updated, hub_clients, deleted, refused), which parties were added,
dropped or refused (``CC*PID(ROLE)`` keys, space separated) and why. Each record is also one
log line: INFO for a change, WARNING for a refused claim. Never a token.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

log = logging.getLogger(__name__)


def _ms(value: datetime) -> int:  # epoch milliseconds, as the other logs (no import: no cycle)
    return round(value.timestamp() * 1000)


REGISTERED = "registered"  # a partner registered with us, or we with it
UPDATED = "updated"  # credentials PUT (ours or theirs)
HUB_CLIENTS = "hub_clients"  # a hub's client list (hubclientinfo) changed
DELETED = "deleted"  # unregistered or removed
REFUSED = "refused"  # a claim of parties another partner holds: nothing changed


@dataclass(frozen=True, slots=True)
class PartyChange:
    partner_id: int | None
    partner_name: str
    at: datetime
    action: str
    added: tuple[str, ...]
    dropped: tuple[str, ...]
    refused: tuple[str, ...]
    reason: str | None
    id: int | None = None


def _words(keys: Iterable[str]) -> str:
    return " ".join(sorted(set(keys)))


def record_change(
    conn: sqlite3.Connection,
    partner_id: int | None,
    partner_name: str,
    action: str,
    *,
    added: Iterable[str] = (),
    dropped: Iterable[str] = (),
    refused: Iterable[str] = (),
    reason: str | None = None,
    at: datetime | None = None,
) -> None:
    """Store one change and log it on one line."""
    plus, minus, denied = _words(added), _words(dropped), _words(refused)
    when = at or datetime.now(UTC)
    conn.execute(
        """INSERT INTO partner_party_changes
           (partner_id, partner_name, at, action, added, dropped, refused, reason)
           VALUES (?,?,?,?,?,?,?,?)""",
        (partner_id, partner_name, _ms(when), action, plus, minus, denied, reason),
    )
    parts = [
        f"+{plus}" if plus else "",
        f"-{minus}" if minus else "",
        f"!{denied}" if denied else "",
    ]
    what = " ".join(p for p in parts if p) or "no party changed"
    line = "parties of %s (%s): %s%s"
    if action == REFUSED:
        log.warning(line, partner_name, action, what, f" ({reason})" if reason else "")
    else:
        log.info(line, partner_name, action, what, f" ({reason})" if reason else "")


def party_changes(
    conn: sqlite3.Connection, partner_id: int | None = None, limit: int = 200
) -> list[PartyChange]:
    """The latest changes first (of one partner, or of all)."""
    where, args = ("WHERE partner_id = ?", (partner_id,)) if partner_id is not None else ("", ())
    rows = conn.execute(
        f"SELECT * FROM partner_party_changes {where} ORDER BY at DESC, id DESC LIMIT ?",
        (*args, limit),
    )
    return [
        PartyChange(
            r["partner_id"],
            r["partner_name"],
            datetime.fromtimestamp(r["at"] / 1000, UTC),
            r["action"],
            tuple(r["added"].split()),
            tuple(r["dropped"].split()),
            tuple(r["refused"].split()),
            r["reason"],
            r["id"],
        )
        for r in rows
    ]


def record_refusal(
    conn: sqlite3.Connection,
    partner_id: int | None,
    who: str,
    held: dict[tuple[str, str], str],
) -> str:
    """Record a refused claim of ``held`` (party -> whose it is); returns the reason."""
    reason = "; ".join(f"{cc}*{pid} is held by {name}" for (cc, pid), name in sorted(held.items()))
    refused = [f"{cc}*{pid}" for cc, pid in held]
    record_change(conn, partner_id, who, REFUSED, refused=refused, reason=reason)
    return reason
