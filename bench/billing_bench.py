"""Billing benchmark: audit and invoice N CDRs (records in the store, not PDFs), then PDFs/s.

    .venv/bin/python bench/billing_bench.py [--cdrs 100000] [--workers 2] [--single 5000]
    .venv/bin/python bench/billing_bench.py --cdrs 2000 --pdfs 50   # a quick look

1. Builds (once, in a child process; reused while it matches) a store seeded through the real
   store functions: 5 tariffs (energy, time, flat, parking, day/night and duration
   restrictions, a max price), stored and carried by the CDRs (1 in 10 carries none: the audit
   then reads the stored copy), 40 cards on 10 accounts (some on a markup plan), and N CDRs
   in pages of 1,000: 1-6 charging periods with ENERGY / TIME / PARKING_TIME, charged in 7
   countries (VAT), priced with our engine, 2 % of them overcharged, 0.5 % credit CDRs.
2. On a fresh copy of that store: audits every CDR (``audit_with_store``; with --workers 2
   the CDRs are read and audited in 2 processes, the audits saved by this process in pages of
   1,000), then issues every invoice or credit note in one transaction per 1,000 CDRs
   (``BillingService.issue_for_cdrs``, one writer). Prints time, per-CDR cost and peak RSS.
3. On another copy: --single CDRs issued one transaction each (``issue_for_cdr``).
4. On a copy of the store as built (nothing audited): every CDR audited while it is invoiced
   (``issue_for_cdrs`` with ``auditor=audit_with_store``), the backfill in one pass.
5. PDFs rendered per second (``document_pdf``) over --pdfs invoices, in 1 and in 2 processes.
Targets (2-core machine): N=100,000 audited and invoiced in <= 30 s, peak RSS <= 300 MB;
>= 50 PDFs/s. Peak RSS is this process (the writer); the audit workers' is printed beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import resource
import shutil
import sqlite3
import sys
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from emsp_tui.billing.documents.pdf import document_pdf  # noqa: E402
from emsp_tui.billing.model import CdrAudit, Document  # noqa: E402
from emsp_tui.config import BillingSettings, PricePlan, SupplierDetails  # noqa: E402
from emsp_tui.ocpi.enums import TokenType, WhitelistType  # noqa: E402
from emsp_tui.ocpi.models import Cdr, Tariff, Token  # noqa: E402
from emsp_tui.services.billing import BillingService, audit_with_store  # noqa: E402
from emsp_tui.store import Database, cdr_audits, cdrs, tokens  # noqa: E402
from emsp_tui.store import accounts as account_store  # noqa: E402
from emsp_tui.store import billing_documents as ledger  # noqa: E402
from emsp_tui.store import locations as loc_store  # noqa: E402
from emsp_tui.store import partners as partner_store  # noqa: E402
from emsp_tui.store.accounts import Account  # noqa: E402
from emsp_tui.store.partners import Partner, Party  # noqa: E402
from emsp_tui.tariff import ActualCharge, price_charge  # noqa: E402

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
CPOS = [("DE", "VOL"), ("FR", "ELC"), ("NL", "LAD")]
COUNTRIES = ["DEU", "FRA", "BEL", "NLD", "AUT", "ITA", "ESP"]
ZONES = {"DEU": "Europe/Berlin", "FRA": "Europe/Paris", "BEL": "Europe/Brussels",
         "NLD": "Europe/Amsterdam", "AUT": "Europe/Vienna", "ITA": "Europe/Rome",
         "ESP": "Europe/Madrid"}  # fmt: skip
CARDS, ACCOUNTS = 40, 10
PAGE = 1000


def _tariff_data(owner: tuple[str, str]) -> list[dict[str, Any]]:
    def c(kind: str, price: float, step: int = 1, vat: float | None = 19.0) -> dict[str, Any]:
        out: dict[str, Any] = {"type": kind, "price": price, "step_size": step}
        if vat is not None:
            out["vat"] = vat
        return out

    base = {"country_code": owner[0], "party_id": owner[1], "currency": "EUR",
            "last_updated": "2026-01-01T00:00:00Z"}  # fmt: skip
    return [
        {**base, "id": "AC-SIMPLE", "elements": [
            {"price_components": [c("ENERGY", 0.39), c("FLAT", 0.50)]}]},
        {**base, "id": "AC-TIME", "elements": [
            {"price_components": [c("ENERGY", 0.29, vat=21.0), c("TIME", 1.20, 60, 21.0)]},
            {"price_components": [c("PARKING_TIME", 5.00, 300, 21.0)]}]},
        {**base, "id": "DAY-NIGHT", "elements": [
            {"price_components": [c("ENERGY", 0.45, vat=None)],
             "restrictions": {"start_time": "07:00", "end_time": "23:00"}},
            {"price_components": [c("ENERGY", 0.30, vat=None)]}]},
        {**base, "id": "DC-FAST", "max_price": {"excl_vat": 60.0}, "elements": [
            {"price_components": [c("ENERGY", 0.59), c("FLAT", 1.00)]},
            {"price_components": [c("TIME", 6.00, 60)], "restrictions": {"min_duration": 3600}},
            {"price_components": [c("TIME", 0.00, 60)]}]},
        {**base, "id": "HOURLY", "elements": [
            {"price_components": [c("FLAT", 1.00, vat=10.0), c("TIME", 2.00, 300, 10.0),
                                  c("PARKING_TIME", 3.00, 300, 10.0)]}]},
    ]  # fmt: skip


def _card(n: int) -> Token:
    return Token(
        country_code="NL", party_id="EMS", uid=f"CARD{n:04d}", type=TokenType.RFID,
        contract_id=f"NL-EMS-C{n:08d}", issuer="Open eMSP", valid=True,
        whitelist=WhitelistType.ALLOWED, last_updated=NOW,
    )  # fmt: skip


def settings() -> BillingSettings:
    supplier = SupplierDetails(
        name="Open eMSP B.V.", street="Keizersgracht 1", postal_code="1015 CJ",
        city="Amsterdam", country="NL", vat_id="NL123456789B01", email="billing@emsp.example",
        iban="NL91ABNA0417164300", bic="ABNANL2A",
    )  # fmt: skip
    markup = PricePlan(markup_percent=Decimal(10), session_fee=Decimal("0.35"))
    return BillingSettings(supplier=supplier, plans={"passthrough": PricePlan(), "plus": markup})


class Generator:
    """Deterministic CDRs of realistic shape, priced with our engine (some overcharged)."""

    def __init__(self, seed: int = 12) -> None:
        self.rng = random.Random(seed)
        self.tariffs = {o: [Tariff.model_validate(t) for t in _tariff_data(o)] for o in CPOS}
        self.issued: list[dict[str, Any]] = []  # non-credit CDRs, for credit CDRs to name

    def cdr(self, n: int) -> Cdr:
        rng = self.rng
        if self.issued and rng.random() < 0.005:
            return self._credit(n, rng.choice(self.issued))
        owner = CPOS[n % len(CPOS)]
        tariff = rng.choice(self.tariffs[owner])
        country = rng.choice(COUNTRIES)
        end = NOW - timedelta(minutes=rng.randrange(60 * 24 * 120))
        periods, t, energy, hours = [], end - timedelta(hours=4), 0.0, 0.0
        start = t
        for _ in range(rng.randint(1, 6)):
            h = round(rng.uniform(0.05, 0.9), 4)
            kwh = round(h * rng.choice([3.7, 11.0, 22.0, 50.0, 150.0]) * rng.uniform(0.5, 1), 3)
            dims = [{"type": "ENERGY", "volume": kwh}, {"type": "TIME", "volume": h}]
            if rng.random() < 0.15:
                parked = round(rng.uniform(0.05, 0.5), 4)
                dims = [{"type": "PARKING_TIME", "volume": parked}]
                kwh, h = 0.0, parked
            periods.append({"start_date_time": t.isoformat(), "dimensions": dims,
                            "tariff_id": tariff.id})  # fmt: skip
            energy, hours, t = energy + kwh, hours + h, t + timedelta(hours=h)
        card = n % CARDS
        data: dict[str, Any] = {
            "country_code": owner[0], "party_id": owner[1], "id": f"CDR{n:07d}",
            "start_date_time": start.isoformat(), "end_date_time": t.isoformat(),
            "session_id": f"S{n:07d}",
            "cdr_token": {"country_code": "NL", "party_id": "EMS", "uid": f"CARD{card:04d}",
                          "type": "RFID", "contract_id": f"NL-EMS-C{card:08d}"},
            "auth_method": "WHITELIST",
            "cdr_location": {
                "id": f"LOC{n % 500:04d}", "name": "Parkhaus Mitte", "address": "Hauptstr. 1",
                "city": "Köln", "postal_code": "50667", "country": country,
                "coordinates": {"latitude": "50.937500", "longitude": "6.960300"},
                "evse_uid": "E1", "evse_id": f"{owner[0]}*{owner[1]}*E{n % 500:04d}1",
                "connector_id": "1", "connector_standard": "IEC_62196_T2",
                "connector_format": "SOCKET", "connector_power_type": "AC_3_PHASE"},
            "currency": "EUR", "charging_periods": periods,
            "total_cost": {"excl_vat": 0, "incl_vat": 0},
            "total_energy": round(energy, 3), "total_time": round(hours, 4),
            "last_updated": t.isoformat(),
        }  # fmt: skip
        if rng.random() < 0.9:
            data["tariffs"] = [tariff.model_dump(mode="json", exclude_none=True)]
        record = Cdr.model_validate(data)
        price = price_charge(tariff, ActualCharge.from_cdr(record), ZONES[country]).rounded()
        excl, incl = price.excl_vat, price.incl_vat
        if rng.random() < 0.02:  # the CPO overcharges
            extra = Decimal(rng.randrange(100, 500)) / 100
            excl, incl = excl + extra, incl + extra
        data["total_cost"] = {"excl_vat": float(excl), "incl_vat": float(incl)}
        self.issued.append(data)
        return Cdr.model_validate(data)

    def _credit(self, n: int, original: dict[str, Any]) -> Cdr:
        cost = original["total_cost"]
        negated = {"excl_vat": -cost["excl_vat"], "incl_vat": -cost["incl_vat"]}
        data = {**original, "id": f"CDR{n:07d}", "credit": True,
                "credit_reference_id": original["id"], "total_cost": negated}  # fmt: skip
        return Cdr.model_validate(data)


def build_store(path: Path, total: int) -> None:
    if path.exists():
        conn = sqlite3.connect(path)
        try:
            have = conn.execute("SELECT count(*) FROM cdrs").fetchone()[0]
        except sqlite3.Error:
            have = -1
        conn.close()
        if have == total:
            return
        path.unlink()
    started = time.perf_counter()
    db = Database(path)
    db.open_sync()
    gen = Generator()
    parties = [Party(cc, pid, "CPO", pid) for cc, pid in CPOS]
    hub = Partner(
        name="hub", versions_url="http://127.0.0.1:9/ocpi/versions", version="2.2.1",
        roles=[{"role": "HUB", "country_code": "DE", "party_id": "HUB"}], token_out="bench",
        parties=parties,
    )  # fmt: skip
    pid = db.transaction_sync(lambda c: partner_store.save_partner(c, hub, "bench-in"))
    stored = [t for ts in gen.tariffs.values() for t in ts]
    db.transaction_sync(lambda c: loc_store.begin_crawl(c, pid, "tariffs", None, None))
    db.transaction_sync(lambda c: loc_store.store_page(c, pid, "tariffs", stored, None))
    db.transaction_sync(lambda c: loc_store.finish_crawl(c, pid, "tariffs", True))

    def people(conn: sqlite3.Connection) -> None:
        account_store.driver_account(conn, NOW)
        for a in range(2, ACCOUNTS + 1):
            account = Account(
                a, f"Driver {a}", f"d{a}@example.org", "Ringstr. 5", "10115", "Berlin", "DE",
                plan="plus" if a % 3 == 0 else None,
            )  # fmt: skip
            account_store.create_account(conn, account, NOW)
        for n in range(CARDS):
            tokens.insert_token(conn, _card(n), NOW, account_id=n % ACCOUNTS + 1)

    db.transaction_sync(people)
    for start in range(0, total, PAGE):
        page = [gen.cdr(n) for n in range(start, min(total, start + PAGE))]
        db.transaction_sync(lambda c, p=page: [cdrs.insert_cdr(c, pid, cdr, NOW) for cdr in p])
    db.close_sync()
    print(f"store built: {total} CDRs in {time.perf_counter() - started:.0f} s", flush=True)


# --- the audit ------------------------------------------------------------------------------

_reader: sqlite3.Connection | None = None


def _open_reader(path: str) -> None:
    global _reader
    _reader = sqlite3.connect(path, check_same_thread=False)
    _reader.row_factory = sqlite3.Row


def audit_keys(keys: Sequence[tuple[str, str, str]]) -> list[CdrAudit]:
    """Read and audit CDRs (in a worker, or in this process after ``_open_reader``)."""
    assert _reader is not None
    out = []
    for key in keys:
        stored = cdrs.get_cdr(_reader, *key)
        assert stored is not None
        out.append(audit_with_store(_reader, stored.cdr))
    return out


def _save(conn: sqlite3.Connection, audits: list[CdrAudit]) -> None:
    for audit in audits:
        cdr_audits.save_audit(conn, audit, NOW)


def audit_all(db: Database, path: Path, keys: list[tuple[str, str, str]], workers: int) -> int:
    pages = [keys[i : i + PAGE] for i in range(0, len(keys), PAGE)]
    flagged = 0
    if workers <= 1:
        _open_reader(str(path))
        for page in pages:
            audits = audit_keys(page)
            flagged += sum(not a.matches for a in audits)
            db.transaction_sync(_save, audits)
        return flagged
    # fork: the workers are our children, so their CPU and RSS show in RUSAGE_CHILDREN.
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, ctx, initializer=_open_reader, initargs=(str(path),)) as ex:
        pending: deque[Future[list[CdrAudit]]] = deque()
        for page in pages:  # a few pages in flight: the audits are not all held at once
            pending.append(ex.submit(audit_keys, page))
            if len(pending) > 2 * workers:
                flagged += _saved(db, pending.popleft().result())
        while pending:
            flagged += _saved(db, pending.popleft().result())
    print(f"audit workers' peak RSS: {rss_mb(resource.RUSAGE_CHILDREN):.0f} MB")
    return flagged


def _saved(db: Database, audits: list[CdrAudit]) -> int:
    db.transaction_sync(_save, audits)
    return sum(not a.matches for a in audits)


# --- helpers --------------------------------------------------------------------------------


def rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


class Clock:
    """Wall time of a phase, its CPU time here (and in ended children: the audit workers) and
    the CPU time everything else on the machine used meanwhile (Linux /proc/stat)."""

    def __init__(self) -> None:
        self.wall, self.ours, self.busy = time.perf_counter(), self._ours(), self._busy()

    @staticmethod
    def _ours() -> float:
        me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    @staticmethod
    def _busy() -> float:
        fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle, iowait
        return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> tuple[float, str]:
        wall, ours = time.perf_counter() - self.wall, self._ours() - self.ours
        other = max(0.0, self._busy() - self.busy - ours)
        return wall, f"CPU {ours:.1f} s ours, {other:.1f} s other work on the machine"


def all_keys(db: Database) -> list[tuple[str, str, str]]:
    rows = db.transaction_sync(
        lambda c: c.execute("SELECT country_code, party_id, id FROM cdrs ORDER BY pk").fetchall()
    )
    return [(r[0], r[1], r[2]) for r in rows]


def check_gapless(db: Database, series: str) -> int:
    years = db.transaction_sync(
        lambda c: [r[0] for r in c.execute("SELECT DISTINCT year FROM billing_documents")]
    )
    total = 0
    for year in years:
        seqs = db.transaction_sync(ledger.numbers, series, year)
        assert seqs == list(range(1, len(seqs) + 1)), f"gap in {series}-{year}"
        total += len(seqs)
    return total


def fresh_copy(store: Path, name: str) -> Path:
    target = store.with_name(f"{store.stem}-{name}.sqlite3")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(store, target)
    return target


def render(document: Document) -> int:
    return len(document_pdf(document))


def pdf_rates(documents: list[Document]) -> None:
    render(documents[0])  # fonts loaded once per process
    started = time.perf_counter()
    for d in documents:
        render(d)
    one = time.perf_counter() - started
    print(f"PDFs, 1 process: {len(documents)} in {one:.2f} s = {len(documents) / one:.0f}/s "
          f"({one / len(documents) * 1000:.1f} ms each)")  # fmt: skip
    ctx = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(2, ctx) as ex:
        list(ex.map(render, documents[:4]))  # start and warm both workers
        started = time.perf_counter()
        list(ex.map(render, documents, chunksize=10))
        two = time.perf_counter() - started
    print(f"PDFs, 2 processes: {len(documents)} in {two:.2f} s = {len(documents) / two:.0f}/s")


# --- main -----------------------------------------------------------------------------------


async def issue_phase(path: Path, keys: list[tuple[str, str, str]], single: bool) -> int:
    db = await Database(path).open()
    billing = BillingService(db, settings(), lambda: NOW, auditor=audit_with_store)
    refused = 0
    if single:
        for key in keys:
            try:
                await billing.issue_for_cdr(key)
            except Exception:  # counted, as the batch does
                refused += 1
    else:
        results = await billing.issue_for_cdrs(keys)
        refused = sum(isinstance(r, Exception) for r in results)
    await db.close()
    return refused


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cdrs", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2, help="audit processes (1: in here)")
    parser.add_argument("--single", type=int, default=5000, help="CDRs issued one per transaction")
    parser.add_argument("--pdfs", type=int, default=200)
    parser.add_argument(
        "--no-one-pass", dest="one_pass", action="store_false",
        help="skip step 4: the CDRs audited while invoiced, on a fresh copy",
    )  # fmt: skip
    parser.add_argument("--store", type=Path, default=Path("/tmp/emsp-billing-bench.sqlite3"))
    args = parser.parse_args()
    ctx = multiprocessing.get_context("forkserver")
    builder = ctx.Process(target=build_store, args=(args.store, args.cdrs))
    builder.start()
    builder.join()
    assert builder.exitcode == 0
    print(f"before: peak RSS {rss_mb():.0f} MB", flush=True)

    work = fresh_copy(args.store, "run")
    db = Database(work)
    db.open_sync()
    keys = all_keys(db)
    clock = Clock()
    flagged = audit_all(db, work, keys, args.workers)
    audited, cpu = clock.stop()
    db.close_sync()
    single_copy = fresh_copy(work, "single") if args.single else None
    per = audited / len(keys) * 1e6
    print(f"audit: {len(keys)} CDRs in {audited:.1f} s ({per:.0f} us/CDR, {args.workers} "
          f"process(es)), {flagged} flagged; peak RSS {rss_mb():.0f} MB", flush=True)  # fmt: skip
    print(f"  {cpu}")
    clock = Clock()
    refused = asyncio.run(issue_phase(work, keys, single=False))
    issued, cpu = clock.stop()
    db = Database(work)
    db.open_sync()
    invoices, credits = check_gapless(db, "INV"), check_gapless(db, "CN")
    print(f"issue (1 transaction per {PAGE}): {invoices} invoices + {credits} credit notes "
          f"in {issued:.1f} s ({issued / len(keys) * 1e6:.0f} us/CDR), {refused} refused; "
          f"numbering gapless; {cpu}")  # fmt: skip
    total = audited + issued
    print(f"TOTAL audit + invoice: {total:.1f} s ({total / len(keys) * 1e6:.0f} us/CDR); "
          f"peak RSS {rss_mb():.0f} MB (target 30 s, 300 MB)", flush=True)  # fmt: skip
    sample = db.transaction_sync(
        lambda c: [ledger.by_number(c, f"INV-2026-{n:06d}") for n in range(1, args.pdfs + 1)]
    )
    db.close_sync()

    if args.one_pass:
        copy = fresh_copy(args.store, "one-pass")
        clock = Clock()
        refused = asyncio.run(issue_phase(copy, keys, single=False))
        one_pass, cpu = clock.stop()
        print(f"one pass (audited while invoiced, 1 transaction per {PAGE}): {len(keys)} CDRs "
              f"in {one_pass:.1f} s ({one_pass / len(keys) * 1e6:.0f} us/CDR), {refused} "
              f"refused; peak RSS {rss_mb():.0f} MB; {cpu}", flush=True)  # fmt: skip

    if args.single:
        single_keys = keys[: args.single]
        assert single_copy is not None
        copy = single_copy
        clock = Clock()
        asyncio.run(issue_phase(copy, single_keys, single=True))
        one_each, cpu = clock.stop()
        print(f"issue (1 transaction each): {len(single_keys)} in {one_each:.1f} s "
              f"({one_each / len(single_keys) * 1e6:.0f} us/CDR); {cpu}", flush=True)  # fmt: skip

    for used in (work, single_copy, args.store.with_name(f"{args.store.stem}-one-pass.sqlite3")):
        for suffix in ("", "-wal", "-shm"):  # the store as built stays, for the next run
            Path(f"{used}{suffix}").unlink(missing_ok=True)
    if sample:
        pdf_rates([s.document for s in sample if s is not None])
    print(f"peak RSS {rss_mb():.0f} MB (this process, PDFs included)")


if __name__ == "__main__":
    main()
