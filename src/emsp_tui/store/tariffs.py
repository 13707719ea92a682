"""Tariffs in the store. Locations' search prices follow them through SQL triggers.

Functions take a ``sqlite3.Connection`` and run inside ``Database.run`` (one transaction).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from ..ocpi.models import Tariff
from ..tariff import energy_price_per_kwh
from .location_index import epoch_ms
from .stored_json import read_stored
from .sync_state import current_crawl_id


@dataclass
class UpsertResult:
    inserted: int = 0
    updated: int = 0
    skipped: int = 0  # older than what is stored: left alone
    unchanged: int = 0  # the same object again: nothing rewritten

    @property
    def written(self) -> int:
        return self.inserted + self.updated


def existing_keys(
    conn: sqlite3.Connection, table: str, keys: list[tuple[str, str, str]]
) -> dict[tuple[str, str, str], tuple[int, int]]:
    """(country_code, party_id, id) -> (pk, last_updated) for the keys already stored."""
    if not keys:
        return {}
    rows = conn.execute(
        f"""SELECT t.pk, t.country_code, t.party_id, t.id, t.last_updated
            FROM json_each(?) j JOIN {table} t
              ON t.country_code = json_extract(j.value, '$[0]')
             AND t.party_id = json_extract(j.value, '$[1]')
             AND t.id = json_extract(j.value, '$[2]')""",
        (json.dumps(keys),),
    )
    return {(r[1], r[2], r[3]): (r[0], r[4]) for r in rows}


def upsert_tariffs(
    conn: sqlite3.Connection, partner_id: int, tariffs: list[Tariff], *, crawl_id: int | None = None
) -> UpsertResult:
    """Insert or replace tariffs (a page or a PUT); an older copy never overwrites a newer one."""
    if crawl_id is None:
        crawl_id = current_crawl_id(conn, partner_id, "tariffs")
    latest: dict[tuple[str, str, str], Tariff] = {}
    for tariff in tariffs:
        latest[(tariff.country_code.upper(), tariff.party_id.upper(), tariff.id.upper())] = tariff
    known = existing_keys(conn, "tariffs", list(latest))
    result = UpsertResult()
    rows = []
    for key, tariff in latest.items():
        stamp = epoch_ms(tariff.last_updated)
        if key in known:
            if known[key][1] > stamp:
                result.skipped += 1
                continue
            result.updated += 1
        else:
            result.inserted += 1
        if (tariff.country_code, tariff.party_id) != key[:2]:
            tariff = tariff.model_copy(update={"country_code": key[0], "party_id": key[1]})
        rows.append((
            *key, partner_id, crawl_id, tariff.currency,
            str(tariff.type) if tariff.type else None, _search_price(tariff), stamp,
            tariff.model_dump_json(exclude_none=True),
        ))  # fmt: skip
    conn.executemany(
        """INSERT INTO tariffs (country_code, party_id, id, partner_id, crawl_id, currency, type,
               energy_price, last_updated, data) VALUES (?,?,?,?,?,?,?,?,?,?)
           ON CONFLICT (country_code, party_id, id) DO UPDATE SET partner_id = excluded.partner_id,
               crawl_id = excluded.crawl_id, currency = excluded.currency, type = excluded.type,
               energy_price = excluded.energy_price, last_updated = excluded.last_updated,
               data = excluded.data""",
        rows,
    )
    return result


def _search_price(tariff: Tariff) -> float | None:
    """The engine's per-kWh figure, as the REAL column search compares (filter, ranking)."""
    price = energy_price_per_kwh(tariff)
    return None if price is None else float(price)


def get_tariff(
    conn: sqlite3.Connection, country_code: str, party_id: str, tariff_id: str
) -> Tariff | None:
    row = conn.execute(
        "SELECT data FROM tariffs WHERE country_code = ? AND party_id = ? AND id = ?",
        (country_code.upper(), party_id.upper(), tariff_id.upper()),
    ).fetchone()
    return read_stored(Tariff, row[0], f"{country_code}*{party_id}*{tariff_id}") if row else None


def delete_tariff(
    conn: sqlite3.Connection, country_code: str, party_id: str, tariff_id: str
) -> bool:
    """Remove a retired tariff (receiver DELETE); its locations' prices are recomputed."""
    cur = conn.execute(
        "DELETE FROM tariffs WHERE country_code = ? AND party_id = ? AND id = ?",
        (country_code.upper(), party_id.upper(), tariff_id.upper()),
    )
    return cur.rowcount > 0


def tariffs_for_location(
    conn: sqlite3.Connection,
    country_code: str,
    party_id: str,
    location_id: str,
    power_kind: str | None = None,
) -> list[Tariff]:
    """The stored tariffs the location's connectors point at (unknown ids are left out);
    with ``power_kind`` ('ac', 'dc'), only those of that class's connectors not REMOVED."""
    token = f"{power_kind.upper()}:" if power_kind else ""
    rows = conn.execute(
        """SELECT t.data FROM locations l JOIN tariffs t
             ON t.country_code = l.country_code AND t.party_id = l.party_id
            AND instr(l.tariff_ids, ' ' || ? || t.id || ' ')
           WHERE l.country_code = ? AND l.party_id = ? AND l.id = ? ORDER BY t.id""",
        (token, country_code.upper(), party_id.upper(), location_id.upper()),
    )
    where = f"of location {country_code}*{party_id}*{location_id}"
    return [t for r in rows if (t := read_stored(Tariff, r[0], where)) is not None]


def count_tariffs(conn: sqlite3.Connection, partner_id: int | None = None) -> int:
    if partner_id is None:
        return int(conn.execute("SELECT count(*) FROM tariffs").fetchone()[0])
    return int(
        conn.execute("SELECT count(*) FROM tariffs WHERE partner_id = ?", (partner_id,)).fetchone()[
            0
        ]
    )
