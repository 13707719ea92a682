"""What every PDF we issue shares: PDF/A-3B with the bundled DejaVu Sans, XMP metadata we
write ourselves (fixed dates, so a document renders byte-identical every time; the Factur-X
extension schema when the CII XML is embedded), and the money and date formats."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from html import escape

from fpdf import FPDF
from fpdf.enums import DocumentCompliance, TextMode, XPos, YPos

from emsp_tui.billing.documents.pdf_fonts import FONT, add_font

PRODUCER = "emsp-tui billing (fpdf2)"
CURRENCY_SIGNS = {"EUR": "€", "GBP": "£", "CHF": "CHF"}
MARGIN = 15.0
LINE = 5.0

_FACTURX_SCHEMA = """
    <rdf:Description rdf:about=""
        xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
        xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
        xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
      <pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
        <pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>
        <pdfaSchema:namespaceURI>urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#</pdfaSchema:namespaceURI>
        <pdfaSchema:prefix>fx</pdfaSchema:prefix>
        <pdfaSchema:property><rdf:Seq>{properties}
        </rdf:Seq></pdfaSchema:property>
      </rdf:li></rdf:Bag></pdfaExtension:schemas>
    </rdf:Description>
    <rdf:Description rdf:about=""
        xmlns:fx="urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#">
      <fx:DocumentType>INVOICE</fx:DocumentType>
      <fx:DocumentFileName>{filename}</fx:DocumentFileName>
      <fx:Version>1.0</fx:Version>
      <fx:ConformanceLevel>{level}</fx:ConformanceLevel>
    </rdf:Description>"""
_FACTURX_PROPERTIES = {
    "DocumentFileName": "The name of the embedded XML document",
    "DocumentType": "The type of the hybrid document in capital letters, e.g. INVOICE or ORDER",
    "Version": "The actual version of the standard applying to the embedded XML document",
    "ConformanceLevel": "The conformance level of the embedded XML document",
}


def fixed_moment(day: date) -> datetime:
    """The creation date written into a document's PDF: its issue date, midnight UTC."""
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def money(amount: Decimal, currency: str) -> str:
    sign = CURRENCY_SIGNS.get(currency, currency)
    return f"{amount:,.2f} {sign}"


def unit_price(amount: Decimal, currency: str) -> str:
    """A unit price with its own precision (0.3529 €), at least to the cent (1.20 €)."""
    places = max(2, -int(amount.normalize().as_tuple().exponent))
    sign = CURRENCY_SIGNS.get(currency, currency)
    return f"{amount:,.{places}f} {sign}"


def number(value: Decimal) -> str:
    """A quantity, rate or unit price as written: no exponent, no trailing zeros."""
    return f"{value.normalize():f}"


def moment(value: datetime) -> str:
    """A time as the charging place's clock showed it, in the zone the value carries (the
    caller passes local times where it knows the zone), with its offset: 18:05 UTC+01:00."""
    offset = value.utcoffset() or timedelta(0)
    if not offset:
        return f"{value:%Y-%m-%d %H:%M} UTC"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"{value:%Y-%m-%d %H:%M} UTC{sign}{hours:02d}:{rest:02d}"


def xmp_metadata(
    title: str, author: str, created: datetime, facturx: tuple[str, str] | None
) -> str:
    """The XMP packet body (fpdf2 wraps it): PDF/A-3B identification, Dublin Core, dates, and
    for a Factur-X document the extension schema and its fx: properties ((filename, level))."""
    stamp = created.astimezone(UTC).isoformat(timespec="seconds")
    extension = ""
    if facturx is not None:
        properties = "".join(
            f"""
          <rdf:li rdf:parseType="Resource"><pdfaProperty:name>{name}</pdfaProperty:name>"""
            f"<pdfaProperty:valueType>Text</pdfaProperty:valueType>"
            f"<pdfaProperty:category>external</pdfaProperty:category>"
            f"<pdfaProperty:description>{escape(text)}</pdfaProperty:description></rdf:li>"
            for name, text in _FACTURX_PROPERTIES.items()
        )
        filename, level = facturx
        extension = _FACTURX_SCHEMA.format(
            properties=properties, filename=escape(filename), level=escape(level)
        )
    return f"""<x:xmpmeta xmlns:x="adobe:ns:meta/">
  <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
    <rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
      <pdfaid:part>3</pdfaid:part>
      <pdfaid:conformance>B</pdfaid:conformance>
    </rdf:Description>
    <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
      <dc:format>application/pdf</dc:format>
      <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>
      <dc:creator><rdf:Seq><rdf:li>{escape(author)}</rdf:li></rdf:Seq></dc:creator>
    </rdf:Description>
    <rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
      <pdf:Producer>{PRODUCER}</pdf:Producer>
    </rdf:Description>
    <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
      <xmp:CreatorTool>{PRODUCER}</xmp:CreatorTool>
      <xmp:CreateDate>{stamp}</xmp:CreateDate>
      <xmp:ModifyDate>{stamp}</xmp:ModifyDate>
      <xmp:MetadataDate>{stamp}</xmp:MetadataDate>
    </rdf:Description>{extension}
  </rdf:RDF>
</x:xmpmeta>"""


class DocumentPdf(FPDF):
    """A4 portrait, PDF/A-3B, DejaVu Sans embedded, a footer with the document and page."""

    def __init__(
        self, title: str, author: str, created: datetime, footer_text: str, reduced_fonts: bool
    ) -> None:
        super().__init__(format="A4", enforce_compliance=DocumentCompliance.PDFA_3B)
        self._footer_text = footer_text
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=20)
        add_font(self, reduced_fonts)
        self.set_line_width(0.4)  # fpdf2 writes it unscaled (points) for text: faux bold
        self.set_title(title)
        self.set_author(author)
        self.set_creator(PRODUCER)
        self.set_producer(PRODUCER)
        self.set_lang("en")
        self.set_creation_date(created)
        self.use_font(9)
        self.add_page()

    def use_font(self, size: float) -> None:
        self.set_font(FONT, "", size)

    def put(
        self,
        width: float,
        h: float,
        text: str,
        *,
        align: str = "L",
        bold: bool = False,
        next_line: bool = False,
    ) -> None:
        """One cell of text (wrapped if it is a full-width cell too long for one line). Bold is
        drawn by also stroking the outlines (0.4 pt), which spares embedding a second font
        (a third of the rendering time); the local context restores the text mode after."""
        new_x, new_y = (XPos.LMARGIN, YPos.NEXT) if next_line else (XPos.RIGHT, YPos.TOP)
        room = (width or self.w - self.r_margin - self.x) - 2 * self.c_margin
        wrap = width == 0 and self.get_string_width(text) > room
        style = self.local_context(text_mode=TextMode.FILL_STROKE) if bold else nullcontext()
        with style:
            if wrap:  # multi_cell wraps, at several times the cost of a cell
                self.multi_cell(width, h, text, align=align, new_x=new_x, new_y=new_y)
            else:
                self.cell(width, h, text, align=align, new_x=new_x, new_y=new_y)

    def footer(self) -> None:
        self.set_y(-14)
        self.use_font(7)
        self.put(0, 4, f"{self._footer_text} · page {self.page_no()}/{{nb}}", align="C")

    def text_line(self, text: str, *, bold: bool = False, size: float = 9, h: float = LINE) -> None:
        self.use_font(size)
        self.put(0, h, text, bold=bold, next_line=True)
        self.use_font(9)

    def heading(self, text: str) -> None:
        self.ln(3)
        self.text_line(text, bold=True, size=10, h=6)

    def row(
        self,
        cells: list[str],
        widths: list[float],
        aligns: str,
        *,
        bold: bool = False,
    ) -> None:
        """One table row; ``aligns`` is one letter (L or R) per cell."""
        for text, width, align in zip(cells, widths, aligns, strict=True):
            self._fit(text, width)
            self.put(width, LINE, text, align=align, bold=bold)
        self.ln(LINE)
        self.use_font(9)

    def _fit(self, text: str, width: float) -> None:
        """The largest font size, 9 down to 6 in half points, at which ``text`` fits its cell
        (text width grows in proportion to the size, so one measurement tells)."""
        self.use_font(9)
        measured = self.get_string_width(text)
        room = width - 2 * self.c_margin
        if measured > room:
            self.use_font(max(6.0, int(18 * room / measured) / 2))

    def facts(self, pairs: list[tuple[str, str]], label_width: float = 38) -> None:
        for label, value in pairs:
            self.put(label_width, LINE, label, bold=True)
            self.put(0, LINE, value, next_line=True)
