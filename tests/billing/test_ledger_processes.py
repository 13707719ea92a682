"""Gapless numbering across processes: a second process issuing at the same time, and a
process killed (SIGKILL) between two invoices, then restarted."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from emsp_tui.services.billing import BillingService
from emsp_tui.store import Database
from tests.billing import ledger_support as s
from tests.paths import REPO

WORKER = [sys.executable, "-m", "tests.billing.ledger_worker"]


def worker(path: Path, command: str, arg: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*WORKER, str(path), command, str(arg)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )


def issued(path: Path) -> tuple[list[int], dict[str, str]]:
    """The invoice sequence numbers in the file, and each CDR's invoice number."""
    conn = sqlite3.connect(path)
    try:
        seqs = [r[0] for r in conn.execute("SELECT seq FROM billing_documents ORDER BY seq")]
        per_cdr = dict(conn.execute("SELECT cdr_id, number FROM billing_documents"))
        (last,) = conn.execute("SELECT coalesce(max(last), 0) FROM document_counters").fetchone()
    finally:
        conn.close()
    assert last == len(seqs)  # the counter never ran ahead of the documents
    return seqs, per_cdr


def test_numbers_stay_gapless_after_kill_9_between_invoices(tmp_path: Path) -> None:
    path = tmp_path / "emsp.sqlite3"
    count = 300
    assert worker(path, "prepare", count).wait(timeout=120) == 0
    kills = 0
    for round_ in range(3):
        proc = worker(path, "issue", round_)
        assert proc.stdout is not None
        target = random.Random(round_).randint(5, 40)
        for seen, _ in enumerate(proc.stdout, start=1):  # some invoices committed: kill -9
            if seen >= target:
                os.kill(proc.pid, signal.SIGKILL)
                break
        proc.wait(timeout=60)
        if proc.returncode == -signal.SIGKILL:
            kills += 1
        seqs, per_cdr = issued(path)
        assert seqs == list(range(1, len(seqs) + 1))
        assert len(per_cdr) == len(seqs)  # one invoice per CDR
    assert kills == 3
    finished = worker(path, "issue", 99)
    out, _ = finished.communicate(timeout=120)
    assert finished.returncode == 0
    seqs, per_cdr = issued(path)
    assert seqs == list(range(1, count + 1))
    assert len(per_cdr) == count
    # The restarted process got back the invoices issued before each kill.
    for line in out.splitlines():
        cdr_id, number = line.split()
        assert per_cdr[cdr_id] == number


async def test_a_second_process_and_several_tasks_issue_concurrently(tmp_path: Path) -> None:
    path = tmp_path / "emsp.sqlite3"
    count = 400
    assert worker(path, "prepare", count).wait(timeout=120) == 0
    other = worker(path, "issue", 7)  # the same CDRs in another order, at the same time
    assert other.stdout is not None
    first = await asyncio.to_thread(other.stdout.readline)  # it is issuing now
    db = await Database(path).open()
    try:
        billing = BillingService(db, s.settings())
        keys = [(*s.OWNER, f"C{i}") for i in range(count)]
        random.Random(3).shuffle(keys)
        chunks = [keys[i::4] for i in range(4)]

        async def run(chunk: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
            return [(k[2], (await billing.issue_invoice(k)).number) for k in chunk]

        ours = [pair for chunk in await asyncio.gather(*map(run, chunks)) for pair in chunk]
    finally:
        await db.close()
    out, _ = await asyncio.to_thread(other.communicate, timeout=120)
    assert other.returncode == 0
    seqs, per_cdr = issued(path)
    assert seqs == list(range(1, count + 1))
    theirs = [tuple(line.split()) for line in [first, *out.splitlines()]]
    assert len(theirs) == count
    their_seqs = [int(number[-6:]) for _, number in theirs]
    assert their_seqs != list(range(1, count + 1))  # this process issued in between
    for cdr_id, number in [*ours, *theirs]:
        assert per_cdr[cdr_id] == number  # both processes saw the one invoice of each CDR
