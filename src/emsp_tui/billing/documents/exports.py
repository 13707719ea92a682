"""Machine-readable exports: JSON of a document or statement, CSV of a document's lines.

JSON: the stored form (billing/document_json.py: money and quantities as exact decimal strings,
ISO 8601 dates) plus what a reader wants computed (line nets, VAT per rate, totals), keys
sorted, so the same document always exports the same text. CSV: one row per line, with the
document's number and dates repeated so rows can be concatenated across documents.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from emsp_tui.billing.document_json import to_data
from emsp_tui.billing.documents.facturx import UNIT_CODES
from emsp_tui.billing.documents.rf_reference import rf_reference_for
from emsp_tui.billing.model import Document, DocumentKind, Statement

CSV_COLUMNS = (
    "number",
    "kind",
    "issue_date",
    "supply_date",
    "currency",
    "position",
    "line_kind",
    "description",
    "quantity",
    "unit",
    "unit_code",
    "unit_price",
    "vat_rate",
    "net",
)


def document_dict(document: Document) -> dict[str, Any]:
    data: dict[str, Any] = to_data(document)
    data["type_code"] = document.kind.type_code
    for item, line in zip(data["lines"], document.lines, strict=True):
        item["net"] = str(line.net)
    data["totals"] = to_data(document.totals)
    for item, amount in zip(data["totals"]["vat"], document.totals.vat, strict=True):
        item["gross"] = str(amount.gross)
    if document.kind is DocumentKind.INVOICE and data["payment_reference"] is None:
        data["payment_reference"] = rf_reference_for(document.number)
    return data


def document_json(document: Document) -> str:
    return json.dumps(document_dict(document), ensure_ascii=False, indent=2, sort_keys=True)


def statement_json(statement: Statement) -> str:
    data: dict[str, Any] = to_data(statement)
    data["invoiced"] = str(statement.invoiced)
    data["credited"] = str(statement.credited)
    data["balance"] = str(statement.balance)
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)


def document_csv(document: Document) -> str:
    """CSV (RFC 4180, CRLF line ends as the csv module writes them) with a header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for position, line in enumerate(document.lines, start=1):
        writer.writerow(
            (
                document.number,
                document.kind.value,
                document.issue_date.isoformat(),
                document.supply_date.isoformat(),
                document.currency,
                position,
                line.kind.value,
                line.description,
                str(line.quantity),
                line.unit,
                UNIT_CODES.get(line.unit, "C62"),
                str(line.unit_price),
                str(line.vat_rate),
                str(line.net),
            )
        )
    return buffer.getvalue()
