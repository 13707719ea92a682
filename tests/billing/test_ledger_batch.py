"""BillingService.issue_for_cdrs: a backfill in batches issues what issue_for_cdr would, one
refused CDR does not stop its batch, and the numbering stays gapless across batches."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from emsp_tui.billing.document_json import document_to_json
from emsp_tui.services.billing import BillingError, BillingService
from emsp_tui.store import Database
from emsp_tui.store import billing_documents as ledger
from tests.billing import ledger_support as s


async def _store(path: Path) -> Database:
    db = await Database(path).open()

    def seed(conn: object) -> None:
        s.add_card(conn)  # type: ignore[arg-type]
        for n in range(1, 6):
            s.add_cdr(conn, f"C{n}", total_excl=float(n))  # type: ignore[arg-type]
        s.add_cdr(conn, "X1", uid="NOTOURS")  # type: ignore[arg-type]
        s.add_cdr(conn, "K1", credit_for="C2", total_excl=2.0)  # type: ignore[arg-type]

    await db.run(seed)
    return db


@pytest.fixture
async def dbs(tmp_path: Path) -> AsyncIterator[tuple[Database, Database]]:
    batch, single = await _store(tmp_path / "a.sqlite3"), await _store(tmp_path / "b.sqlite3")
    yield batch, single
    await batch.close()
    await single.close()


KEYS = [(s.OWNER[0], s.OWNER[1], i) for i in ("C1", "C2", "X1", "C3", "K1", "MISSING", "C4", "C5")]


async def test_batches_issue_what_one_at_a_time_does(dbs: tuple[Database, Database]) -> None:
    batch_db, single_db = dbs
    batch = BillingService(batch_db, s.settings(), lambda: s.NOW)
    results = await batch.issue_for_cdrs(KEYS, batch=3)

    numbers = [r if not isinstance(r, BillingError) else "refused" for r in results]
    assert numbers == [
        "INV-2026-000001", "INV-2026-000002", "refused", "INV-2026-000003", "CN-2026-000001",
        "refused", "INV-2026-000004", "INV-2026-000005",
    ]  # fmt: skip
    assert "not one of ours" in str(results[2])
    assert "there is no CDR" in str(results[5])
    assert await batch_db.run(ledger.numbers, "INV", 2026) == [1, 2, 3, 4, 5]
    assert await batch_db.run(ledger.numbers, "CN", 2026) == [1]

    single = BillingService(single_db, s.settings(), lambda: s.NOW)
    for key, number in zip(KEYS, numbers, strict=True):
        if number == "refused":
            with pytest.raises(BillingError):
                await single.issue_for_cdr(key)
            continue
        one = await single.issue_for_cdr(key)
        assert one is not None
        assert one.number == number
        held = await batch.document(number)
        assert held is not None
        assert document_to_json(held) == document_to_json(one)


async def test_a_second_backfill_issues_nothing_new(dbs: tuple[Database, Database]) -> None:
    db, _ = dbs
    billing = BillingService(db, s.settings(), lambda: s.NOW)
    first = await billing.issue_for_cdrs(KEYS, batch=2)
    again = await billing.issue_for_cdrs(list(reversed(KEYS)), batch=1000)
    assert [str(r) for r in again] == [str(r) for r in reversed(first)]
    assert await db.run(ledger.numbers, "INV", 2026) == [1, 2, 3, 4, 5]
