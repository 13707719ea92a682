"""A document's PDF written where the driver can file it: ``<data dir>/invoices/NUMBER.pdf``,
readable by its owner only (an invoice carries a name, an address and an IBAN).

Blocking (fpdf2 renders in ~20 ms, then a file write): ``start_pdf_export`` runs it in a
thread worker for the invoice list and the invoice screen alike.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual.message import Message
from textual.widgets import Button, Static

from .. import paths
from ..billing.model import Document
from ..widgets.safe_text import notify_plain, plain
from .base import AreaScreen, one_line

SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def pdf_path(data_dir: Path, number: str) -> Path:
    return data_dir / "invoices" / f"{SAFE_NAME.sub('_', number) or 'document'}.pdf"


def export_pdf(document: Document, data_dir: Path) -> Path:
    """Render and write the PDF (replacing an earlier export of it); returns its path."""
    from ..billing.documents.pdf import document_pdf  # fpdf2 loads on first export only

    data = document_pdf(document)
    path = pdf_path(data_dir, document.number)
    paths.ensure_private_dir(path.parent)
    partial = path.with_suffix(".pdf.part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an earlier partial file keeps its mode otherwise
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    partial.replace(path)  # a reader never sees half a PDF
    return path


@dataclass
class PdfExported(Message):
    """The export worker's answer: where the PDF is, or why it is not."""

    path: Path | None
    error: str | None = None


def start_pdf_export(screen: AreaScreen, document: Document, group: str) -> None:
    """Disable the screen's ``#export`` button and write the PDF in a thread worker; the
    screen gets a ``PdfExported`` and hands it to :func:`show_pdf_exported`."""
    data_dir = screen.emsp.settings.data_dir

    def write() -> None:
        try:
            path = export_pdf(document, data_dir)
        except Exception as err:
            screen.post_message(PdfExported(None, one_line(err)))
        else:
            screen.post_message(PdfExported(path))

    screen.query_one("#export", Button).disabled = True
    screen.run_worker(write, thread=True, exclusive=True, group=group, exit_on_error=False)


def show_pdf_exported(screen: AreaScreen, event: PdfExported) -> None:
    """The path under the buttons and in a notice, or the error."""
    if event.path is None:
        screen.failed("PDF not saved", event.error or "")
        return
    shown = screen.query_one("#export-path", Static)
    shown.display = True
    shown.update(Text.assemble(("Saved ", "bold"), plain(str(event.path))))
    notify_plain(screen, f"Saved to {event.path}", title="PDF")
