"""The OCPI message log: every request we receive and send, for support and the session timeline.

A record holds time, direction, partner, method, URL, HTTP status, OCPI status_code, request
and correlation ids, both bodies, and the ids that tie it to a charge (session id,
authorization_reference, command id). Credentials tokens are never stored: no headers are
kept, and every ``"token": "<string>"`` of a body (only ever a credentials token in 2.2.1;
driver tokens are objects) is redacted before it gets here.

Writing is batched: ``MessageLog.append`` is synchronous and cheap (the receiver calls it once
per request), a background task commits the queue every ``flush_interval`` seconds in one
transaction. ``await flush()`` writes what is queued now (tests, shutdown).

Also here: the per-partner counters of pushes we refused (``push_rejections``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..ocpi.exchange import Exchange
    from .db import Database
    from .partners import Partner

log = logging.getLogger(__name__)

REDACTED = "<redacted>"
_TOKEN_FIELD = re.compile(r'("token"\s*:\s*)"(?:[^"\\]|\\.)*"')
_STATUS_CODE = re.compile(rb'"status_code"\s*:\s*"?(\d{4})')
BODY_LIMIT = 64_000


def epoch_ms(value: datetime) -> int:
    return round(value.timestamp() * 1000)


def from_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


def scrub_body(body: bytes | str | None, limit: int = BODY_LIMIT) -> str | None:
    """A body fit to store: credentials tokens redacted, capped at ``limit`` characters."""
    if not body:
        return None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = _TOKEN_FIELD.sub(rf'\1"{REDACTED}"', text)
    if len(text) > limit:
        text = text[:limit] + f"… [{len(text) - limit} more characters]"
    return text


def status_code_of(body: bytes | str | None) -> int | None:
    """The OCPI ``status_code`` of an envelope, without parsing the whole body."""
    if not body:
        return None
    raw = body.encode() if isinstance(body, str) else body
    match = _STATUS_CODE.search(raw[:4096]) or _STATUS_CODE.search(raw[-512:])
    return int(match.group(1)) if match else None


@dataclass(slots=True)
class MessageRecord:
    at: datetime
    direction: str  # "in" (a partner called us) or "out" (we called a partner)
    method: str
    url: str
    partner_id: int | None = None
    partner: str | None = None
    http_status: int | None = None
    status_code: int | None = None
    request_id: str | None = None
    correlation_id: str | None = None
    session_id: str | None = None
    authorization_reference: str | None = None
    command_id: str | None = None
    duration_ms: float | None = None
    error: str | None = None
    request_body: str | None = None
    response_body: str | None = None
    id: int | None = None


_COLUMNS = (
    "at", "direction", "partner_id", "partner", "method", "url", "http_status", "status_code",
    "request_id", "correlation_id", "session_id", "authorization_reference", "command_id",
    "duration_ms", "error", "request_body", "response_body",
)  # fmt: skip
_INSERT = (
    f"INSERT INTO ocpi_messages ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
)


def insert_messages(conn: sqlite3.Connection, records: list[MessageRecord]) -> None:
    conn.executemany(
        _INSERT,
        [
            (
                epoch_ms(r.at),
                r.direction,
                r.partner_id,
                r.partner,
                r.method,
                r.url,
                r.http_status,
                r.status_code,
                r.request_id,
                r.correlation_id,
                r.session_id,
                r.authorization_reference,
                r.command_id,
                r.duration_ms,
                r.error,
                r.request_body,
                r.response_body,
            )
            for r in records
        ],
    )


def _record(row: sqlite3.Row) -> MessageRecord:
    values = {c: row[c] for c in _COLUMNS}
    values["at"] = from_ms(row["at"])
    return MessageRecord(**values, id=row["id"])


def messages(
    conn: sqlite3.Connection,
    *,
    partner_id: int | None = None,
    correlation_id: str | None = None,
    direction: str | None = None,
    limit: int = 200,
    before_id: int | None = None,
) -> list[MessageRecord]:
    """The newest messages first (page further back with ``before_id``)."""
    where, args = [], []
    for column, value in (
        ("partner_id", partner_id), ("correlation_id", correlation_id), ("direction", direction),
    ):  # fmt: skip
        if value is not None:
            where.append(f"{column} = ?")
            args.append(value)
    if before_id is not None:
        where.append("id < ?")
        args.append(before_id)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    rows = conn.execute(
        f"SELECT * FROM ocpi_messages {clause} ORDER BY id DESC LIMIT ?", [*args, limit]
    )
    return [_record(r) for r in rows]


def session_timeline(
    conn: sqlite3.Connection, country_code: str, party_id: str, session_id: str
) -> list[MessageRecord]:
    """Every message about one session, oldest first: its commands (start and stop), their
    results, the real-time authorisation, the session pushes and pulls, its CDR."""
    refs: set[str] = set()
    row = conn.execute(
        "SELECT authorization_reference FROM sessions WHERE country_code = ? AND party_id = ?"
        " AND id = ?",
        (country_code.upper(), party_id.upper(), session_id),
    ).fetchone()
    if row is not None and row[0]:
        refs.add(row[0])
    commands = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM commands WHERE (country_code = ? AND party_id = ? AND session_id = ?)"
            " OR (authorization_reference IS NOT NULL AND authorization_reference IN"
            " (SELECT value FROM json_each(?)))",
            (country_code.upper(), party_id.upper(), session_id, json.dumps(sorted(refs))),
        )
    ]
    rows = conn.execute(
        """SELECT * FROM ocpi_messages WHERE session_id = ?
             OR authorization_reference IN (SELECT value FROM json_each(?))
             OR command_id IN (SELECT value FROM json_each(?))
           ORDER BY at, id""",
        (session_id, json.dumps(sorted(refs)), json.dumps(commands)),
    )
    return [_record(r) for r in rows]


def count_messages(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM ocpi_messages").fetchone()[0])


def prune_messages(conn: sqlite3.Connection, older_than: datetime) -> int:
    """Drop messages older than a point in time (the log grows with every push)."""
    return conn.execute("DELETE FROM ocpi_messages WHERE at < ?", (epoch_ms(older_than),)).rowcount


# -- rejected pushes -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RejectionCount:
    partner_id: int
    module: str
    rejected: int
    last_status_code: int | None
    last_reason: str | None
    last_at: datetime | None


def record_rejection(
    conn: sqlite3.Connection, partner_id: int, module: str, status_code: int, reason: str,
    at: datetime,
) -> None:  # fmt: skip
    conn.execute(
        """INSERT INTO push_rejections (partner_id, module, rejected, last_status_code,
               last_reason, last_at) VALUES (?, ?, 1, ?, ?, ?)
           ON CONFLICT (partner_id, module) DO UPDATE SET rejected = rejected + 1,
               last_status_code = excluded.last_status_code, last_reason = excluded.last_reason,
               last_at = excluded.last_at""",
        (partner_id, module, status_code, reason[:500], epoch_ms(at)),
    )


def rejection_counts(
    conn: sqlite3.Connection, partner_id: int | None = None
) -> list[RejectionCount]:
    where, args = ("WHERE partner_id = ?", (partner_id,)) if partner_id is not None else ("", ())
    rows = conn.execute(f"SELECT * FROM push_rejections {where} ORDER BY partner_id, module", args)
    return [
        RejectionCount(
            r["partner_id"],
            r["module"],
            r["rejected"],
            r["last_status_code"],
            r["last_reason"],
            from_ms(r["last_at"]) if r["last_at"] is not None else None,
        )
        for r in rows
    ]


# -- the writer ----------------------------------------------------------------------------------
class MessageLog:
    """Queues records and commits them in batches on the database thread."""

    def __init__(
        self, db: Database, *, flush_interval: float = 0.2, body_limit: int = BODY_LIMIT
    ) -> None:
        self.db = db
        self.flush_interval = flush_interval
        self.body_limit = body_limit
        self.written = 0
        self._queue: list[MessageRecord] = []
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="ocpi-message-log")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()

    def append(self, record: MessageRecord) -> None:
        self._queue.append(record)

    async def flush(self) -> None:
        batch, self._queue = self._queue, []
        if not batch:
            return
        try:
            await self.db.run(insert_messages, batch)
            self.written += len(batch)
        except Exception:  # the log must never take the protocol down with it
            log.exception("could not write %d OCPI log records", len(batch))

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval)
            await self.flush()

    # -- outbound: OcpiClient(on_exchange=...) ----------------------------------------------------
    def outbound(
        self, partner: Partner | None = None, **links: str | None
    ) -> Callable[[Exchange], None]:
        """An ``on_exchange`` callback that logs every attempt of an OcpiClient.

        ``links``: session_id, authorization_reference, command_id for the timeline.
        """

        def record(exchange: Exchange) -> None:
            self.append(
                MessageRecord(
                    at=exchange.started_at,
                    direction="out",
                    method=exchange.method,
                    url=exchange.url,
                    partner_id=partner.id if partner else None,
                    partner=partner.name if partner else None,
                    http_status=exchange.status,
                    status_code=status_code_of(exchange.response_body),
                    request_id=exchange.request_id,
                    correlation_id=exchange.correlation_id,
                    duration_ms=round(exchange.duration * 1000, 2),
                    error=exchange.error,
                    request_body=scrub_body(exchange.request_body, self.body_limit),
                    response_body=scrub_body(exchange.response_body, self.body_limit),
                    session_id=links.get("session_id"),
                    authorization_reference=links.get("authorization_reference"),
                    command_id=links.get("command_id"),
                )
            )

        return record


def describe(record: MessageRecord) -> dict[str, Any]:
    """A JSON-ready view of a record (support tooling)."""
    out: dict[str, Any] = {c: getattr(record, c) for c in _COLUMNS}
    out["at"] = record.at.isoformat()
    out["id"] = record.id
    return out
