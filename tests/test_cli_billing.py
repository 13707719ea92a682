"""The headless billing commands (#12) over a real process: cards, CDRs with their audit,
invoices (list, show, export), the monthly statement; human tables, --json, exit codes.

The store is seeded through the real services: CDRs (the spec's CDR example, see
tests/billing/ledger_support.py) audited by the node's own auditor against the tariffs they carry
and invoiced by ``BillingService.issue_invoice``; one with a wrong total, one of February
invoiced in March (late), and a credit note.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3
import stat
import subprocess
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from emsp_tui.config import load_settings
from emsp_tui.ocpi.models import Session
from emsp_tui.services.billing import BillingService, audit_with_store
from emsp_tui.services.wallet import is_valid_contract_id
from emsp_tui.store import Database, cdrs, sessions
from tests.billing import ledger_support as s
from tests.receiver.payloads import session
from tests.test_cli import run

SUPPLIER = """\
[billing.supplier]
name = "Open eMSP B.V."
street = "Keizersgracht 1"
postal_code = "1015 CJ"
city = "Amsterdam"
country = "NL"
vat_id = "NL123456789B01"
email = "billing@emsp.example"
iban = "NL91ABNA0417164300"
"""


async def _seed(root: Path) -> None:
    (root / "config").mkdir(parents=True)
    (root / "config" / "config.toml").write_text(SUPPLIER)
    settings = load_settings(data_dir=root / "data", config_dir=root / "config")
    settings.data_dir.mkdir(parents=True)
    db = await Database(settings.database_path).open()
    billing = BillingService(db, settings.billing, lambda: s.NOW, auditor=audit_with_store)
    await db.run(s.add_card)

    def put(
        conn: sqlite3.Connection, cdr_id: str, total_excl: float, end: datetime, uid: str
    ) -> tuple[str, str, str]:
        session_id = f"S-{cdr_id}"
        record = s.cdr(cdr_id, total_excl=total_excl, end=end, uid=uid)
        record = record.model_copy(update={"session_id": session_id})
        assert cdrs.insert_cdr(conn, None, record, s.NOW) == "created"
        sessions.put_session(conn, None, Session.model_validate(session(session_id)), s.NOW)
        return (*s.OWNER, cdr_id)

    # 2 h at 2.00 EUR/h (the example's tariff), 19 % German VAT: 4.76 EUR for the driver
    for cdr_id, total, end in (
        ("C1", 4.0, s.NOW),  # what the tariff gives
        ("C2", 9.0, s.NOW),  # an overcharge: flagged, still billed 4.76
        ("C3", 4.0, datetime(2026, 2, 27, 20, 0, tzinfo=UTC)),  # February's, invoiced in March
    ):
        await billing.issue_invoice(await db.run(put, cdr_id, total, end, s.CARD_UID))
    await db.run(put, "C4", 4.0, s.NOW, "FFFF0000")  # a card we never issued: kept, flagged
    await billing.issue_credit_note("INV-2026-000001", "Goodwill", amount=Decimal("1.00"))
    await db.close()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("billing-cli")
    asyncio.run(_seed(root))
    return root


def one_line_error(out: subprocess.CompletedProcess[str], code: int) -> None:
    assert out.returncode == code
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert out.stderr.startswith("emsp")


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_a_card_issued_is_listed(tmp_path: Path) -> None:
    empty = run("cards", "--json", env_dir=tmp_path)
    assert (empty.returncode, json.loads(empty.stdout)) == (1, [])
    issued = run("cards", "issue", "--label", "Work car", "--json", env_dir=tmp_path)
    assert issued.returncode == 0, issued.stderr
    card = json.loads(issued.stdout)
    assert card["label"] == "Work car"
    assert card["blocked"] is False
    assert is_valid_contract_id(card["contract_id"])
    datetime.fromisoformat(card["issued_at"])
    listed = run("cards", "--json", env_dir=tmp_path)
    assert (listed.returncode, json.loads(listed.stdout)) == (0, [card])
    table = run("cards", env_dir=tmp_path)
    assert table.returncode == 0
    (row,) = [line for line in table.stdout.splitlines() if card["uid"] in line]
    assert card["contract_id"] in row
    assert "Work car" in row
    assert "valid" in row


def test_cdrs_carry_their_audit_and_flags(store: Path) -> None:
    table = run("cdrs", env_dir=store)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    rows = {line.split()[0]: line for line in lines[1:5]}
    assert "ok" in rows["C1"].split()
    assert "INV-2026-000001" in rows["C1"]
    assert "differs" in rows["C2"]
    assert "9.90 EUR" in rows["C2"]
    assert "4.40 EUR" in rows["C2"]
    assert "not audited" in rows["C4"]
    assert lines[5:] == [
        "C4: flagged: the card is not one we issued.",
        "C2: flagged: its total differs from the tariff's. The operator billed 9.90 EUR; their"
        " tariff gives 4.40 EUR; you pay 4.40 EUR.",
    ]

    flagged = run("cdrs", "--flagged", "--json", env_dir=store)
    assert flagged.returncode == 0
    unknown_card, overcharged = json.loads(flagged.stdout)  # the latest received first
    assert (unknown_card["id"], unknown_card["flags"], unknown_card["document"]) == (
        "C4", ["UNKNOWN_TOKEN"], None,
    )  # fmt: skip
    assert unknown_card["audit"] is None
    cdr = overcharged
    assert (cdr["id"], cdr["flags"], cdr["document"]) == (
        "C2",
        ["TOTAL_DIFFERS"],
        "INV-2026-000002",
    )
    assert cdr["audit"]["matches"] is False
    assert cdr["audit"]["tariff_source"] == "CDR"
    assert Decimal(cdr["audit"]["tariff_total_excl"]) == Decimal("4.00")
    assert cdr["total_cost"] == {"excl_vat": "9.0", "incl_vat": "9.9"}  # decimal strings
    assert cdr["total_energy"] == "15.342"
    assert datetime.fromisoformat(cdr["end_date_time"]) == s.NOW
    every = json.loads(run("cdrs", "--json", env_dir=store).stdout)
    assert [c["id"] for c in every] == ["C4", "C2", "C1", "C3"]  # newest charge first
    assert [c["flagged"] for c in every] == [True, True, False, False]


def test_nothing_flagged_exits_1(tmp_path: Path) -> None:
    out = run("cdrs", "--flagged", env_dir=tmp_path)
    assert (out.returncode, out.stdout) == (1, "")
    assert out.stderr.strip() == "No flagged CDRs."


def test_invoices_list_as_table_and_json(store: Path) -> None:
    table = run("invoices", env_dir=store)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split()[:3] == ["NUMBER", "KIND", "ISSUED"]
    assert [line.split()[0] for line in lines[1:]] == [
        "INV-2026-000001", "INV-2026-000002", "INV-2026-000003", "CN-2026-000001",
    ]  # fmt: skip
    assert "4.00 EUR  0.76 EUR  4.76 EUR" in lines[1]
    assert lines[4].rstrip().endswith("1.00 EUR  INV-2026-000001")

    documents = json.loads(run("invoices", "--month", "2026-03", "--json", env_dir=store).stdout)
    assert len(documents) == 4
    first = documents[0]
    assert (first["number"], first["kind"], first["issue_date"]) == (
        "INV-2026-000001", "INVOICE", "2026-03-15",
    )  # fmt: skip
    assert (first["net"], first["vat"], first["gross"], first["currency"]) == (
        "4.00", "0.76", "4.76", "EUR",
    )  # fmt: skip
    assert documents[1]["audit_matches"] is False
    assert documents[2]["supply_date"] == "2026-02-27"
    assert documents[3]["corrects"] == "INV-2026-000001"

    april = run("invoices", "list", "--month", "2026-04", "--json", env_dir=store)
    assert (april.returncode, json.loads(april.stdout)) == (1, [])


def test_an_invoice_shown(store: Path) -> None:
    out = run("invoices", "show", "inv-2026-000001", env_dir=store)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert text.startswith("INVOICE INV-2026-000001   issued 2026-03-15")
    assert "VAT id NL123456789B01" in text
    assert "Charging time  2 h       2.00 EUR    19 %  4.00 EUR" in text
    assert "Net 4.00 EUR   VAT 0.76 EUR   Gross 4.76 EUR" in text
    assert "Audit: The operator's bill matches their tariff" in text
    assert "Payment reference: RF" in text
    assert "Corrected by CN-2026-000001 (2026-03-15, 1.00 EUR): Goodwill" in text

    data = json.loads(run("invoices", "show", "INV-2026-000002", "--json", env_dir=store).stdout)
    assert (data["number"], data["issue_date"], data["corrected_by"]) == (
        "INV-2026-000002", "2026-03-15", [],
    )  # fmt: skip
    assert data["totals"]["gross"] == "4.76"
    assert data["audit"]["matches"] is False
    assert data["audit"]["operator_total"] == "9.90"

    note = run("invoices", "show", "CN-2026-000001", env_dir=store)
    assert note.stdout.startswith("CREDIT NOTE CN-2026-000001")
    assert "Corrects invoice INV-2026-000001" in note.stdout
    assert "Reason: Goodwill" in note.stdout


def test_export_writes_owner_only_files_and_keeps_existing_ones(
    store: Path, tmp_path: Path
) -> None:
    pdf, as_json, as_csv = tmp_path / "inv.pdf", tmp_path / "inv.json", tmp_path / "inv.csv"
    args = ("invoices", "export", "INV-2026-000002", "--pdf", str(pdf))
    out = run(*args, "--json", str(as_json), "--csv", str(as_csv), env_dir=store)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [str(pdf), str(as_json), str(as_csv)]
    for path in (pdf, as_json, as_csv):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = pdf_text(pdf)
    assert "INV-2026-000002" in text
    assert "4.76" in text
    shown = json.loads(run("invoices", "show", "INV-2026-000002", "--json", env_dir=store).stdout)
    exported = json.loads(as_json.read_text())
    assert exported == {k: v for k, v in shown.items() if k != "corrected_by"}
    (line,) = csv.DictReader(io.StringIO(as_csv.read_text()))
    assert (line["number"], line["line_kind"], line["net"]) == (
        "INV-2026-000002", "CHARGING_TIME", "4.00",
    )  # fmt: skip

    before = pdf.read_bytes()
    pdf.chmod(0o644)
    again = run(*args, env_dir=store)
    one_line_error(again, 1)
    assert "exists" in again.stderr
    assert "--force" in again.stderr
    assert pdf.read_bytes() == before
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o644

    fresh = tmp_path / "fresh.pdf"
    both = run(  # the CSV exists: the PDF (written first) is not written either
        "invoices", "export", "INV-2026-000002", "--pdf", str(fresh), "--csv", str(as_csv),
        env_dir=store,
    )  # fmt: skip
    one_line_error(both, 1)
    assert not fresh.exists()

    other = run(
        "invoices", "export", "INV-2026-000001", "--pdf", str(pdf), "--force", env_dir=store
    )
    assert other.returncode == 0, other.stderr
    assert "INV-2026-000001" in pdf_text(pdf)
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inv.csv", "inv.json", "inv.pdf"]


def test_export_to_stdout_keeps_stdout_clean(store: Path) -> None:
    out = run("invoices", "export", "CN-2026-000001", "--json", "-", env_dir=store)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert (data["number"], data["corrects"], data["totals"]["gross"]) == (
        "CN-2026-000001", "INV-2026-000001", "1.00",
    )  # fmt: skip


def test_the_statement(store: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "march.pdf"
    out = run("statement", "--month", "2026-03", "--pdf", str(pdf), env_dir=store)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == str(pdf)
    assert lines[1].startswith("Statement 2026-03")
    (late,) = [line for line in lines if line.startswith("INV-2026-000003")]
    assert "(late: charged 2026-02)" in late
    (credit,) = [line for line in lines if line.startswith("CN-2026-000001")]
    assert credit.endswith("-1.00 EUR")
    assert lines[-1] == "Invoiced 14.28 EUR   Credited 1.00 EUR   Balance 13.28 EUR"
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o600
    text = pdf_text(pdf)
    for number in ("INV-2026-000001", "INV-2026-000003", "CN-2026-000001"):
        assert number in text

    data = json.loads(run("statement", "--month", "2026-03", "--json", env_dir=store).stdout)
    assert (data["invoiced"], data["credited"], data["balance"]) == ("14.28", "1.00", "13.28")
    assert [e["late"] for e in data["entries"]] == [False, False, True, False]

    empty = run("statement", "--month", "2026-04", "--pdf", str(tmp_path / "x.pdf"), env_dir=store)
    assert (empty.returncode, empty.stdout) == (1, "")
    assert not (tmp_path / "x.pdf").exists()


def test_an_unknown_number_exits_1(store: Path, tmp_path: Path) -> None:
    one_line_error(run("invoices", "show", "INV-2026-999999", env_dir=store), 1)
    target = tmp_path / "no.pdf"
    out = run("invoices", "export", "INV-2026-999999", "--pdf", str(target), env_dir=store)
    one_line_error(out, 1)
    assert "INV-2026-999999" in out.stderr
    assert not target.exists()


@pytest.mark.parametrize(
    "args",
    [
        ("invoices", "--month", "2026-13"),
        ("invoices", "list", "--month", "march"),
        ("statement", "--month", "2026-3"),
        ("statement",),
        ("invoices", "export", "INV-2026-000001"),
        ("invoices", "show"),
        ("cards", "issue", "--bogus"),
        ("cdrs", "--flagged", "yes"),
    ],
)
def test_a_wrong_billing_command_line_is_one_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    one_line_error(run(*args, env_dir=tmp_path), 2)


def test_the_exit_codes_are_in_the_help(tmp_path: Path) -> None:
    out = run("--help", env_dir=tmp_path)
    assert "exit status: 0 done; 1 nothing found" in out.stdout
    for word in ("cards", "cdrs", "invoices", "statement"):
        assert word in out.stdout
