"""The EPC QR code: the payload decodes back to the amount, the IBAN and a valid RF reference;
the rules of EPC069-12 are enforced; the image is the QR symbol of exactly that payload at
error correction level M (read from the image's own format information); and, where zbar is
installed, a real decoder reads it back, also from the printed invoice."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
import qrcode
import qrcode.constants
from PIL import Image
from stdnum import iban as stdnum_iban
from stdnum import iso11649

from emsp_tui.billing.documents.epc_qr import (
    EpcTransfer,
    is_valid_iban,
    qr_image,
    qr_png,
    transfer_for,
)
from emsp_tui.billing.documents.pdf import document_pdf
from tests.billing.sample_documents import CREDIT_NOTE, INVOICE

FIELDS = ("service", "version", "charset", "identification", "bic", "name", "iban", "amount")


def decode(payload: str) -> dict[str, str]:
    """Read a payload as a banking app does (EPC069-12 version 002)."""
    lines = payload.split("\n")
    fields = dict(zip(FIELDS, lines, strict=False))
    fields["purpose"] = lines[8]
    fields["reference"] = lines[9]
    fields["text"] = lines[10] if len(lines) > 10 else ""
    return fields


def test_the_invoice_payload_decodes_back_to_amount_iban_and_reference() -> None:
    transfer = transfer_for(INVOICE)
    assert transfer is not None
    payload = transfer.payload()
    fields = decode(payload)
    assert fields["service"] == "BCD"
    assert fields["version"] == "002"
    assert fields["charset"] == "1"
    assert fields["identification"] == "SCT"
    assert fields["bic"] == "COBADEFFXXX"
    assert fields["name"] == "Lumière Mobility GmbH"
    assert fields["amount"].startswith("EUR")
    assert Decimal(fields["amount"][3:]) == INVOICE.totals.gross == Decimal("12.23")
    assert fields["iban"] == "DE89370400440532013000"
    assert stdnum_iban.is_valid(fields["iban"])
    assert iso11649.is_valid(fields["reference"])
    assert fields["reference"] == "RF98INV2026000123"
    assert fields["text"] == ""  # structured remittance only, never both


def test_the_payload_has_ten_lines_lf_separated_and_no_trailing_newline() -> None:
    transfer = transfer_for(INVOICE)
    assert transfer is not None
    payload = transfer.payload()
    assert payload == (
        "BCD\n002\n1\nSCT\nCOBADEFFXXX\nLumière Mobility GmbH\nDE89370400440532013000\n"
        "EUR12.23\n\nRF98INV2026000123"
    )
    assert "\r" not in payload


def test_a_stored_payment_reference_is_used_and_the_bic_may_be_absent() -> None:
    document = replace(
        INVOICE,
        payment_reference="RF18 5390 0754 7034",
        supplier=replace(INVOICE.supplier, bic=None),
    )
    transfer = transfer_for(document)
    assert transfer is not None
    fields = decode(transfer.payload())
    assert fields["reference"] == "RF18539007547034"
    assert fields["bic"] == ""


def test_nothing_to_transfer_for_a_credit_note_or_another_currency() -> None:
    assert transfer_for(CREDIT_NOTE) is None
    assert transfer_for(replace(INVOICE, currency="CHF")) is None


GOOD = EpcTransfer(
    "Lumière Mobility GmbH", "DE89370400440532013000", Decimal("1.00"), "RF712348231"
)


@pytest.mark.parametrize(
    ("transfer", "message"),
    [
        (replace(GOOD, iban="DE89370400440532013001"), "IBAN"),
        (replace(GOOD, iban="DE8937040044"), "IBAN"),
        (replace(GOOD, amount=Decimal("0.00")), "amount"),
        (replace(GOOD, amount=Decimal("1000000000.00")), "amount"),
        (replace(GOOD, amount=Decimal("1.005")), "amount"),
        (replace(GOOD, name="N" * 71), "name"),
        (replace(GOOD, name="  "), "name"),
        (replace(GOOD, reference="RF722348231"), "RF"),
        (replace(GOOD, bic="NOTABIC"), "BIC"),
    ],
)
def test_a_transfer_breaking_a_rule_is_refused(transfer: EpcTransfer, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        transfer.payload()


def test_a_payload_above_331_bytes_is_refused() -> None:
    # 70 characters of four UTF-8 bytes each: a legal name length, too many bytes.
    transfer = replace(GOOD, name="\U0001d11e" * 70, bic="COBADEFFXXX")
    with pytest.raises(ValueError, match="331"):
        transfer.payload()


def test_the_amount_is_written_with_two_decimals() -> None:
    assert replace(GOOD, amount=Decimal("12.300")).payload().split("\n")[7] == "EUR12.30"
    assert replace(GOOD, amount=Decimal("5")).payload().split("\n")[7] == "EUR5.00"


def test_a_long_supplier_name_is_cut_to_the_fields_70_characters() -> None:
    document = replace(INVOICE, supplier=replace(INVOICE.supplier, name="Lumière " * 12))
    transfer = transfer_for(document)
    assert transfer is not None
    assert decode(transfer.payload())["name"] == ("Lumière " * 12)[:70]


def test_the_bounds_of_the_amount_are_accepted() -> None:
    assert replace(GOOD, amount=Decimal("0.01")).payload().split("\n")[7] == "EUR0.01"
    assert replace(GOOD, amount=Decimal("999999999.99")).payload().split("\n")[7] == (
        "EUR999999999.99"
    )


def test_iban_check_digits() -> None:
    assert is_valid_iban("DE89 3704 0044 0532 0130 00")
    assert is_valid_iban("GB82WEST12345698765432")
    assert not is_valid_iban("GB82WEST12345698765433")


def _modules(image: Image.Image) -> list[list[bool]]:
    """The QR symbol's modules read from the image: the top-left finder pattern's first row
    is seven dark modules, which gives the module size and the symbol's origin."""
    gray = image.convert("L")
    width, height = gray.size
    dark = [[gray.getpixel((x, y)) < 128 for x in range(width)] for y in range(height)]
    top = next(y for y in range(height) if any(dark[y]))
    left = dark[top].index(True)
    run = 0
    while dark[top][left + run]:
        run += 1
    size_px = run // 7
    right = width - 1 - dark[top][::-1].index(True)
    count = (right - left + 1) // size_px
    return [
        [
            dark[top + r * size_px + size_px // 2][left + c * size_px + size_px // 2]
            for c in range(count)
        ]
        for r in range(count)
    ]


FORMAT_MASK = 0b101010000010010
EC_LEVELS = {0b01: "L", 0b00: "M", 0b11: "Q", 0b10: "H"}


def _format_information(modules: list[list[bool]]) -> tuple[str, int]:
    """Error correction level and mask from the 15 format bits beside the top-left finder."""
    positions = [(8, c) for c in (0, 1, 2, 3, 4, 5, 7, 8)] + [(r, 8) for r in (7, 5, 4, 3, 2, 1, 0)]
    bits = 0
    for r, c in positions:
        bits = (bits << 1) | modules[r][c]
    bits ^= FORMAT_MASK
    return EC_LEVELS[bits >> 13], (bits >> 10) & 0b111


def test_the_image_is_the_qr_symbol_of_the_payload_at_level_m() -> None:
    transfer = transfer_for(INVOICE)
    assert transfer is not None
    payload = transfer.payload()
    modules = _modules(qr_image(payload))
    level, mask = _format_information(modules)
    assert level == "M"
    expected = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, mask_pattern=mask
    )
    expected.add_data(payload.encode("utf-8"))
    expected.make(fit=True)
    assert modules == expected.get_matrix()


def test_the_png_is_the_same_symbol() -> None:
    payload = GOOD.payload()
    png = Image.open(BytesIO(qr_png(payload)))
    assert png.format == "PNG"
    assert _modules(png) == _modules(qr_image(payload))


def _zbar(png: Path) -> bytes:
    result = subprocess.run(
        ["zbarimg", "--raw", "-q", "-Sbinary", str(png)], capture_output=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.removesuffix(b"\n")


@pytest.mark.skipif(shutil.which("zbarimg") is None, reason="no QR decoder (zbar-tools)")
def test_a_decoder_reads_the_payload_back(tmp_path: Path) -> None:
    transfer = transfer_for(INVOICE)
    assert transfer is not None
    payload = transfer.payload()
    png = tmp_path / "qr.png"
    png.write_bytes(qr_png(payload))
    assert _zbar(png) == payload.encode("utf-8")


@pytest.mark.skipif(
    shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None,
    reason="no QR decoder (zbar-tools) or PDF rasteriser (poppler-utils)",
)
def test_the_code_printed_on_the_invoice_scans(tmp_path: Path) -> None:
    """End to end: the PDF rasterised at 150 dpi, as a phone camera would see a printout."""
    pdf = tmp_path / "invoice.pdf"
    pdf.write_bytes(document_pdf(INVOICE))
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=60
    )
    (page,) = tmp_path.glob("page*.png")
    transfer = transfer_for(INVOICE)
    assert transfer is not None
    assert _zbar(page) == transfer.payload().encode("utf-8")


def test_no_bank_account_of_ours_means_no_transfer_and_the_pdf_still_renders() -> None:
    """A fresh configuration has no IBAN: the invoice has no payment block, not an error."""
    unset = replace(INVOICE, supplier=replace(INVOICE.supplier, iban=""))
    assert transfer_for(unset) is None
    assert document_pdf(unset).startswith(b"%PDF")
