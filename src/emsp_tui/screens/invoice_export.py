"""A document's PDF written where the driver can file it: ``<data dir>/invoices/NUMBER.pdf``,
readable by its owner only (an invoice carries a name, an address and an IBAN).

Blocking (fpdf2 renders in ~20 ms, then a file write): call it from a thread worker.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .. import paths
from ..billing.model import Document

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
