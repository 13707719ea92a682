"""The EPC QR code (EPC069-12, version 002): a SEPA credit transfer a banking app can scan.

One field per line, LF separated, no trailing newline: BCD, 002, 1 (UTF-8), SCT, BIC (optional
in 002), name (<= 70), IBAN, EUR amount, purpose (empty), the RF reference as the structured
remittance, and no unstructured remittance (the two exclude each other). At most 331 bytes
(QR version 13 at error correction level M, which the guideline requires).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal

import qrcode
import qrcode.constants
from PIL import Image

from emsp_tui.billing.documents.rf_reference import is_valid_rf, rf_reference_for
from emsp_tui.billing.model import CENT, Document, DocumentKind

MAX_PAYLOAD_BYTES = 331
QUIET_ZONE = 4  # modules
MODULE_PIXELS = 4
MIN_AMOUNT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999.99")
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[0-9A-Z]{11,30}$")
_BIC = re.compile(r"^[A-Z]{6}[0-9A-Z]{2}([0-9A-Z]{3})?$")


def compact_iban(iban: str) -> str:
    return "".join(iban.split()).upper()


def is_valid_iban(iban: str) -> bool:
    """Shape and ISO 13616 check digits (the IBAN read from its 5th character on, with the
    country and check digits moved to the end, is 1 modulo 97)."""
    compact = compact_iban(iban)
    if not _IBAN.match(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


@dataclass(frozen=True)
class EpcTransfer:
    name: str
    iban: str
    amount: Decimal
    reference: str  # an RF creditor reference
    bic: str | None = None

    def payload(self) -> str:
        iban = compact_iban(self.iban)
        if not is_valid_iban(iban):
            raise ValueError(f"not a valid IBAN: {self.iban!r}")
        name = self.name.strip()
        if not name or len(name) > 70:
            raise ValueError("the beneficiary name must be 1 to 70 characters")
        if self.amount != self.amount.quantize(CENT) or not (
            MIN_AMOUNT <= self.amount <= MAX_AMOUNT
        ):
            raise ValueError(f"the amount must be 0.01..999999999.99 in cents: {self.amount}")
        reference = "".join(self.reference.split()).upper()
        if not is_valid_rf(reference):
            raise ValueError(f"not a valid RF creditor reference: {self.reference!r}")
        bic = (self.bic or "").strip().upper()
        if bic and not _BIC.match(bic):
            raise ValueError(f"not a BIC: {self.bic!r}")
        fields = ["BCD", "002", "1", "SCT", bic, name, iban, f"EUR{self.amount:.2f}", "", reference]
        payload = "\n".join(fields)
        if len(payload.encode("utf-8")) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"an EPC QR payload carries at most {MAX_PAYLOAD_BYTES} bytes")
        return payload


def transfer_for(document: Document) -> EpcTransfer | None:
    """What the driver transfers to pay ``document``; None for a credit note (we pay them),
    another currency than EUR (SCT is in euro), nothing to pay, or no bank account of ours
    configured (the document then carries no payment block rather than failing)."""
    gross = document.totals.gross
    if document.kind is not DocumentKind.INVOICE or document.currency != "EUR":
        return None
    if not document.supplier.iban.strip():
        return None
    if gross < MIN_AMOUNT:
        return None
    return EpcTransfer(
        name=document.supplier.name.strip()[:70],  # the field's limit; the IBAN decides
        iban=document.supplier.iban,
        amount=gross,
        reference=document.payment_reference or rf_reference_for(document.number),
        bic=document.supplier.bic,
    )


def qr_image(payload: str) -> Image.Image:
    """The QR symbol as a 1-bit PIL image, error correction M as EPC069-12 requires, four
    pixels a module with the standard quiet zone of four modules."""
    # A fixed mask: any of the eight is valid, and choosing the best one costs most of the time.
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, border=QUIET_ZONE, mask_pattern=4
    )
    code.add_data(payload.encode("utf-8"))
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    # Drawn from the module matrix directly: qrcode's own renderer paints each module apart.
    image = Image.new("1", (size, size), 1)
    image.putdata([0 if dark else 1 for row in matrix for dark in row])
    return image.resize((size * MODULE_PIXELS, size * MODULE_PIXELS), Image.Resampling.NEAREST)


def qr_png(payload: str) -> bytes:
    buffer = io.BytesIO()
    qr_image(payload).save(buffer, format="PNG")
    return buffer.getvalue()
