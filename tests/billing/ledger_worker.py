"""A process that issues invoices on a real SQLite file, for the ledger's process tests.

``python -m tests.billing.ledger_worker DB prepare N``: a card and N audited CDRs (C0..C{N-1}).
``python -m tests.billing.ledger_worker DB issue SEED``: issue an invoice for each of them, in
an order shuffled by SEED, printing ``CDR NUMBER`` after each commit (flushed).
"""

from __future__ import annotations

import asyncio
import random
import sys
from pathlib import Path

from emsp_tui.services.billing import BillingService
from emsp_tui.store import Database
from tests.billing import ledger_support as s


def cdr_ids(db: Database) -> list[str]:
    return [r[0] for r in db.conn.execute("SELECT id FROM cdrs ORDER BY pk")]


def prepare(path: Path, count: int) -> None:
    db = Database(path)
    db.open_sync()
    db.transaction_sync(s.add_card)
    for i in range(count):
        db.transaction_sync(s.add_cdr, f"C{i}")
    db.close_sync()


async def issue(path: Path, seed: int) -> None:
    db = await Database(path).open()
    ids = await db.run(lambda c: [r[0] for r in c.execute("SELECT id FROM cdrs ORDER BY pk")])
    random.Random(seed).shuffle(ids)
    billing = BillingService(db, s.settings())
    for cdr_id in ids:
        document = await billing.issue_invoice((*s.OWNER, cdr_id))
        print(cdr_id, document.number, flush=True)
    await db.close()


def main() -> None:
    path, command, arg = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    if command == "prepare":
        prepare(path, arg)
    else:
        asyncio.run(issue(path, arg))


if __name__ == "__main__":
    main()
