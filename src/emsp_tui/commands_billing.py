"""Headless billing commands: ``emsp cards``, ``emsp cdrs``, ``emsp invoices``, ``emsp statement``.

Human tables by default, ``--json`` for scripts (money and quantities as decimal strings, dates
ISO 8601). Exit status: 0 done; 1 nothing found (no such invoice, an empty list, a month
without documents) or the file could not be written; 2 a wrong command line (argparse).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterable
from datetime import UTC
from decimal import Decimal
from pathlib import Path
from typing import Any

from .billing.document_json import to_data
from .billing.documents.exports import document_csv, document_dict, document_json, statement_json
from .billing.documents.pdf import document_pdf, statement_pdf
from .billing.documents.rf_reference import format_rf, rf_reference_for
from .billing.model import Address, Document, DocumentKind, Statement, cents
from .commands import print_table
from .config import Settings
from .node import EmspNode
from .services.cdr_listing import AuditedCdr, CdrListing
from .services.wallet import WalletError
from .store.accounts import DRIVER
from .store.tokens import StoredToken
from .widgets.safe_text import terminal_safe

OK, NOTHING, USAGE = 0, 1, 2


def _say(text: str = "") -> None:
    print(terminal_safe(text))


def _err(message: str, code: int = NOTHING) -> int:
    print(f"emsp: error: {terminal_safe(' '.join(message.split()))}", file=sys.stderr)
    return code


def _json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True))


def money(amount: Decimal, currency: str) -> str:
    return f"{cents(amount):.2f} {currency}"


def unit_price(amount: Decimal, currency: str) -> str:
    """With its own precision (0.3529 EUR), at least to the cent (2.00 EUR)."""
    places = max(2, -int(amount.normalize().as_tuple().exponent))
    return f"{amount:.{places}f} {currency}"


def _decimal(value: float) -> Decimal:
    return Decimal(repr(value))


# -- cards ------------------------------------------------------------------------------------
def _card_data(card: StoredToken) -> dict[str, Any]:
    t = card.token
    return {
        "uid": t.uid,
        "contract_id": t.contract_id,
        "visual_number": t.visual_number,
        "type": str(t.type),
        "label": card.label,
        "blocked": card.blocked,
        "issued_at": card.issued_at.isoformat(),
        "account_id": card.account_id,
    }


def _card_rows(cards: Iterable[StoredToken]) -> None:
    rows = [("UID", "CONTRACT ID", "VISUAL NUMBER", "LABEL", "STATE", "ISSUED")]
    for c in cards:
        t = c.token
        state = "blocked" if c.blocked else "valid"
        issued = f"{c.issued_at.astimezone(UTC):%Y-%m-%d}"
        rows.append((t.uid, t.contract_id, t.visual_number or "-", c.label or "-", state, issued))
    print_table(rows)


async def cards_list(settings: Settings, *, as_json: bool) -> int:
    async with EmspNode(settings, serve=False) as node:
        cards = await node.wallet.cards()
    if as_json:
        _json([_card_data(c) for c in cards])
    elif not cards:
        print("No cards yet. Issue one with: emsp cards issue --label NAME", file=sys.stderr)
    else:
        _card_rows(cards)
    return OK if cards else NOTHING


async def cards_issue(settings: Settings, *, label: str | None, as_json: bool) -> int:
    async with EmspNode(settings, serve=False) as node:
        try:
            card = await node.wallet.issue(label)
        except WalletError as err:
            return _err(str(err))
    if as_json:
        _json(_card_data(card))
    else:
        _card_rows([card])
    return OK


# -- CDRs -------------------------------------------------------------------------------------
def _audit_words(item: AuditedCdr) -> str:
    audit = item.audit
    if audit is None:
        return "not audited"
    if audit.matches:
        return "ok"
    return "differs: " + (", ".join(d.value for d in audit.differing) or "total")


def _cdr_data(item: AuditedCdr) -> dict[str, Any]:
    cdr = item.cdr
    cost = cdr.total_cost
    return {
        "country_code": item.key[0],
        "party_id": item.key[1],
        "id": cdr.id,
        "session_id": cdr.session_id,
        "start_date_time": cdr.start_date_time.isoformat(),
        "end_date_time": cdr.end_date_time.isoformat(),
        "received_at": item.received_at.isoformat(),
        "token_uid": cdr.cdr_token.uid,
        "location_id": cdr.cdr_location.id,
        "evse_id": cdr.cdr_location.evse_id,
        "total_energy": str(_decimal(cdr.total_energy)),
        "currency": cdr.currency,
        "total_cost": {
            "excl_vat": str(_decimal(cost.excl_vat)),
            "incl_vat": str(_decimal(cost.incl_vat)) if cost.incl_vat is not None else None,
        },
        "credit": bool(cdr.credit),
        "credit_reference_id": cdr.credit_reference_id,
        "flagged": item.flagged,
        "flags": list(item.flags),
        "flag_texts": list(item.flag_texts),
        "audit": to_data(item.audit) if item.audit else None,
        "document": item.document,
    }


async def cdrs_list(settings: Settings, *, flagged: bool, as_json: bool) -> int:
    async with EmspNode(settings, serve=False) as node:
        found = await CdrListing(node.db).cdrs(flagged=flagged)
    if as_json:
        _json([_cdr_data(c) for c in found])
        return OK if found else NOTHING
    if not found:
        print("No flagged CDRs." if flagged else "No CDRs yet.", file=sys.stderr)
        return NOTHING
    rows = [("CDR", "CPO", "END (UTC)", "KWH", "OPERATOR", "TARIFF", "AUDIT", "DOCUMENT")]
    for item in found:
        cdr, audit = item.cdr, item.audit
        operator = _decimal(cdr.total_cost.incl_vat or cdr.total_cost.excl_vat)
        tariff = "-"
        if audit is not None:
            tariff = money(audit.tariff_total_incl or audit.tariff_total_excl, audit.currency)
        end = f"{cdr.end_date_time.astimezone(UTC):%Y-%m-%d %H:%M}"
        rows.append((
            cdr.id, f"{item.key[0]}*{item.key[1]}", end,
            f"{_decimal(cdr.total_energy):f}", money(operator, cdr.currency), tariff,
            _audit_words(item), item.document or "-",
        ))  # fmt: skip
    print_table(rows)
    for item in found:
        if not item.flagged:
            continue
        sentence = f" {item.audit.sentence}" if item.audit and not item.audit.matches else ""
        _say(f"{item.cdr.id}: flagged: {'; '.join(item.flag_texts)}.{sentence}")
    return OK


# -- invoices ---------------------------------------------------------------------------------
def _summary(document: Document) -> dict[str, Any]:
    t = document.totals
    return {
        "number": document.number,
        "kind": document.kind.value,
        "issue_date": document.issue_date.isoformat(),
        "supply_date": document.supply_date.isoformat(),
        "currency": document.currency,
        "net": str(t.net),
        "vat": str(t.vat_total),
        "gross": str(t.gross),
        "corrects": document.corrects,
        "cdr_id": document.charging.cdr_id if document.charging else None,
        "audit_matches": document.audit.matches if document.audit else None,
    }


async def invoices_list(settings: Settings, *, month: str | None, as_json: bool) -> int:
    async with EmspNode(settings, serve=False) as node:
        documents = await node.billing.documents(DRIVER, month)
    if as_json:
        _json([_summary(d) for d in documents])
        return OK if documents else NOTHING
    if not documents:
        where = f" issued in {month}" if month else " yet"
        print(f"No invoices{where}.", file=sys.stderr)
        return NOTHING
    rows = [("NUMBER", "KIND", "ISSUED", "SUPPLY", "NET", "VAT", "GROSS", "CORRECTS")]
    for d in documents:
        t = d.totals
        kind = "invoice" if d.kind is DocumentKind.INVOICE else "credit note"
        rows.append((
            d.number, kind, d.issue_date.isoformat(), d.supply_date.isoformat(),
            money(t.net, d.currency), money(t.vat_total, d.currency),
            money(t.gross, d.currency), d.corrects or "-",
        ))  # fmt: skip
    print_table(rows)
    return OK


def _address(a: Address) -> str:
    return ", ".join(p for p in (a.street, f"{a.postal_code} {a.city}".strip(), a.country) if p)


def _show(document: Document, corrections: list[Document]) -> None:
    d, cur = document, document.currency
    title = "INVOICE" if d.kind is DocumentKind.INVOICE else "CREDIT NOTE"
    due = f"   due {d.due_date}" if d.due_date else ""
    _say(f"{title} {d.number}   issued {d.issue_date}   supply {d.supply_date}{due}")
    s, c = d.supplier, d.customer
    _say(f"From: {s.name}, {_address(s.address)}" + (f", VAT id {s.vat_id}" if s.vat_id else ""))
    vat_id = f"VAT id {c.vat_id}" if c.vat_id else ""
    who = ", ".join(p for p in (c.company, c.name, _address(c.address), vat_id) if p)
    _say(f"To:   {who or '(no billing details were set)'}")
    if d.corrects:
        _say(
            f"Corrects invoice {d.corrects}" + (f" of {d.corrects_date}" if d.corrects_date else "")
        )
        if d.reason:
            _say(f"Reason: {d.reason}")
    if (ch := d.charging) is not None:
        _say(f"Charging: {ch.location}, EVSE {ch.evse_id}, operator {ch.operator}")
        _say(f"  {ch.start.isoformat()} to {ch.end.isoformat()}, {ch.energy_kwh:f} kWh")
        _say(f"  session {ch.session_id or '-'}, CDR {ch.cdr_id}")
    print()
    rows = [("DESCRIPTION", "QUANTITY", "UNIT PRICE", "VAT", "NET")]
    for ln in d.lines:
        rows.append((
            ln.description, f"{ln.quantity.normalize():f} {ln.unit}",
            unit_price(ln.unit_price, cur), f"{ln.vat_rate.normalize():f} %",
            money(ln.net, cur),
        ))  # fmt: skip
    print_table(rows)
    print()
    t = d.totals
    for v in t.vat:
        _say(f"VAT {v.rate.normalize():f} % on {money(v.net, cur)}: {money(v.vat, cur)}")
    _say(f"Net {money(t.net, cur)}   VAT {money(t.vat_total, cur)}   Gross {money(t.gross, cur)}")
    if d.audit is not None:
        _say(f"Audit: {d.audit.sentence}")
    if d.kind is DocumentKind.INVOICE:
        _say(f"Payment reference: {format_rf(d.payment_reference or rf_reference_for(d.number))}")
    for cn in corrections:
        gross = money(cn.totals.gross, cn.currency)
        _say(f"Corrected by {cn.number} ({cn.issue_date}, {gross}): {cn.reason or ''}".rstrip())


async def _find(settings: Settings, number: str) -> tuple[Document, list[Document]] | None:
    async with EmspNode(settings, serve=False) as node:
        document = await node.billing.document(number.strip())
        if document is None:  # "inv-2026-000001" for INV-2026-000001
            document = await node.billing.document(number.strip().upper())
        if document is None:
            return None
        corrections = []
        if document.kind is DocumentKind.INVOICE:
            corrections = await node.billing.credit_notes(document.number)
        return document, corrections


async def invoices_show(settings: Settings, number: str, *, as_json: bool) -> int:
    found = await _find(settings, number)
    if found is None:
        return _err(f"there is no invoice or credit note {number}")
    document, corrections = found
    if as_json:
        data = document_dict(document)
        data["corrected_by"] = [c.number for c in corrections]
        _json(data)
    else:
        _show(document, corrections)
    return OK


async def invoices_export(
    settings: Settings,
    number: str,
    *,
    pdf: str | None,
    json_file: str | None,
    csv_file: str | None,
    force: bool,
) -> int:
    if not (pdf or json_file or csv_file):
        return _err("say what to export: --pdf FILE, --json FILE and/or --csv FILE", USAGE)
    found = await _find(settings, number)
    if found is None:
        return _err(f"there is no invoice or credit note {number}")
    document = found[0]
    outputs: list[tuple[str, bytes]] = []
    if pdf:
        outputs.append((pdf, document_pdf(document)))
    if json_file:
        outputs.append((json_file, (document_json(document) + "\n").encode()))
    if csv_file:
        outputs.append((csv_file, document_csv(document).encode()))
    return _write_all(outputs, force)


async def statement(
    settings: Settings, month: str, *, pdf: str | None, as_json: bool, force: bool
) -> int:
    async with EmspNode(settings, serve=False) as node:
        found = await node.billing.statement(DRIVER, month)
    if not found.entries:
        if as_json:
            print(statement_json(found))
        else:
            print(f"No invoices or credit notes issued in {month}.", file=sys.stderr)
        return NOTHING
    if pdf:
        code = _write_all([(pdf, statement_pdf(found))], force)
        if code or pdf == "-":
            return code
    if as_json:
        print(statement_json(found))
    else:
        _statement_table(found)
    return OK


def _statement_table(s: Statement) -> None:
    cur = s.currency
    customer = f" for {s.customer.name}" if s.customer.name else ""
    _say(f"Statement {s.month}{customer} ({s.supplier.name})")
    rows = [("NUMBER", "ISSUED", "SUPPLY", "DESCRIPTION", "AMOUNT")]
    for e in s.entries:
        credit = e.kind is DocumentKind.CREDIT_NOTE
        late = f" (late: charged {e.supply_date:%Y-%m})" if e.late else ""
        amount = money(-e.gross if credit else e.gross, cur)
        rows.append((e.number, str(e.issue_date), str(e.supply_date), e.description + late, amount))
    print_table(rows)
    _say(f"Invoiced {money(s.invoiced, cur)}   Credited {money(s.credited, cur)}"
         f"   Balance {money(s.balance, cur)}")  # fmt: skip


# -- files ------------------------------------------------------------------------------------
def _write_all(outputs: list[tuple[str, bytes]], force: bool) -> int:
    """Each file's path on stdout, or on stderr when a document itself goes to stdout."""
    to_stdout = [name for name, _ in outputs if name == "-"]
    if len(to_stdout) > 1:
        return _err("only one document can go to stdout ('-')", USAGE)
    taken = [name for name, _ in outputs if name != "-" and Path(name).expanduser().exists()]
    if taken and not force:  # checked before writing any, so none is half done
        return _err(f"{taken[0]} exists (add --force to overwrite it)")
    paths_to = sys.stderr if to_stdout else sys.stdout
    for name, data in outputs:
        if name == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            continue
        try:
            path = write_private(Path(name), data, force=force)
        except FileExistsError:
            return _err(f"{name} exists (add --force to overwrite it)")
        except OSError as err:
            return _err(f"cannot write {name}: {err.strerror or err}")
        print(terminal_safe(str(path)), file=paths_to)
    return OK


def write_private(path: Path, data: bytes, *, force: bool) -> Path:
    """Write ``data`` readable by its owner only (0600: an invoice holds personal data).
    Without ``force`` an existing file is never touched; with it, it is replaced whole."""
    path = path.expanduser()
    if not force:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return path.resolve()
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path.resolve()
