"""JSON and CSV exports: exact decimals as strings (never floats), ISO dates, computed nets and
totals that agree with the model, one CSV row per line, and the statement's late entries."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

from emsp_tui.billing.document_json import from_data
from emsp_tui.billing.documents.exports import (
    CSV_COLUMNS,
    document_csv,
    document_json,
    statement_json,
)
from emsp_tui.billing.model import Document
from tests.billing.sample_documents import BUSINESS_INVOICE, CREDIT_NOTE, INVOICE, STATEMENT


def no_floats(value: Any) -> bool:
    if isinstance(value, float):
        return False
    if isinstance(value, dict):
        return all(no_floats(v) for v in value.values())
    if isinstance(value, list):
        return all(no_floats(v) for v in value)
    return True


def test_document_json_has_exact_decimals_iso_dates_and_computed_totals() -> None:
    data = json.loads(document_json(INVOICE))
    assert no_floats(data)
    assert data["number"] == "INV-2026-000123"
    assert data["kind"] == "INVOICE"
    assert data["type_code"] == "380"
    assert data["issue_date"] == "2026-03-15"
    assert data["charging"]["start"] == "2026-03-14T17:05:00+00:00"
    energy = data["lines"][0]
    assert (energy["quantity"], energy["unit_price"], energy["net"]) == ("23.456", "0.3529", "8.28")
    assert [line["net"] for line in data["lines"]] == [str(line.net) for line in INVOICE.lines]
    assert data["totals"] == {
        "net": "10.28",
        "vat_total": "1.95",
        "gross": "12.23",
        "vat": [{"rate": "19", "net": "10.28", "vat": "1.95", "gross": "12.23"}],
    }
    assert data["payment_reference"] == "RF98INV2026000123"
    assert data["customer"]["name"] == "Zoë Müller-Lüdenscheidt"  # not escaped


def test_the_json_reads_back_to_the_same_document() -> None:
    for document in (INVOICE, CREDIT_NOTE, BUSINESS_INVOICE):
        data = json.loads(document_json(document))
        data.pop("totals"), data.pop("type_code")
        for line in data["lines"]:
            line.pop("net")
        data["payment_reference"] = document.payment_reference
        assert from_data(Document, data) == document


def test_a_credit_note_exports_what_it_corrects_and_why() -> None:
    data = json.loads(document_json(CREDIT_NOTE))
    assert data["type_code"] == "381"
    assert data["corrects"] == "INV-2026-000123"
    assert data["corrects_date"] == "2026-03-15"
    assert data["reason"].startswith("The operator sent a credit CDR")
    assert data["payment_reference"] is None
    assert data["totals"]["gross"] == "1.79"


def test_the_json_text_is_stable() -> None:
    assert document_json(INVOICE) == document_json(INVOICE)
    assert list(json.loads(document_json(INVOICE))) == sorted(json.loads(document_json(INVOICE)))


def test_csv_has_a_header_and_one_row_per_line() -> None:
    rows = list(csv.DictReader(io.StringIO(document_csv(BUSINESS_INVOICE))))
    assert len(rows) == len(BUSINESS_INVOICE.lines) == 3
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [row["position"] for row in rows] == ["1", "2", "3"]
    assert {row["number"] for row in rows} == {"INV-2026-000124"}
    assert rows[2]["line_kind"] == "MONTHLY_FEE"
    assert (rows[2]["unit"], rows[2]["unit_code"], rows[2]["vat_rate"]) == ("month", "MON", "7")
    assert sum(Decimal(row["net"]) for row in rows) == BUSINESS_INVOICE.totals.net
    energy = rows[0]
    assert Decimal(energy["quantity"]) * Decimal(energy["unit_price"]) == Decimal("8.2776224")
    assert energy["net"] == "8.28"


def test_csv_quotes_a_description_with_a_comma() -> None:
    line = INVOICE.lines[0]
    document = replace(INVOICE, lines=(replace(line, description='Energy, "fast" DC'),))
    text = document_csv(document)
    assert '"Energy, ""fast"" DC"' in text
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["description"] == 'Energy, "fast" DC'


def test_statement_json_lists_entries_with_the_late_one_and_totals() -> None:
    data = json.loads(statement_json(STATEMENT))
    assert no_floats(data)
    assert data["month"] == "2026-03"
    assert [e["number"] for e in data["entries"]] == [
        "INV-2026-000101",
        "INV-2026-000123",
        "CN-2026-000004",
    ]
    assert [e["late"] for e in data["entries"]] == [True, False, False]
    assert data["entries"][0]["supply_date"] == "2026-02-27"
    assert (data["invoiced"], data["credited"], data["balance"]) == ("20.63", "1.79", "18.84")
