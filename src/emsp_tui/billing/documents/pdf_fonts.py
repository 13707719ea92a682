"""The bundled DejaVu Sans, loaded once per process for fast rendering.

fpdf2 parses a TrueType font afresh for every document (about 30 ms for DejaVu Sans) and then
subsets it in place, so a parsed font cannot be shared. We therefore keep, per process:
* a reduced copy of the font in memory (the EU's alphabets: Latin, Greek, Cyrillic, with
  punctuation and currency signs; about 900 of 6,000 glyphs), so that the subsetting fpdf2
  does for each document is cheap;
* the font's metrics, parsed once (a template ``TTFFont``), cloned for each document with a
  fresh, lazily read copy of the font for fpdf2 to subset.
A document holding a character outside the reduced set is rendered with the full font (the
slow path, same result). The shipped .ttf files are never modified.
"""

from __future__ import annotations

import copy
import functools
import io
from collections.abc import Iterable
from pathlib import Path

from fontTools import subset, ttLib  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

FONT = "DejaVu"
FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FILE = "DejaVuSans.ttf"
EUROPEAN = (
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x017F),  # Latin-1 Supplement, Latin Extended-A
    (0x0218, 0x021B),  # Romanian S and T with comma below
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x04FF),  # Cyrillic
    (0x2000, 0x206F),  # General Punctuation
    (0x20A0, 0x20CF),  # Currency Symbols
    (0x2116, 0x2116),  # numero sign
    (0x2122, 0x2122),  # trade mark sign
    (0x2212, 0x2212),  # minus sign
)


@functools.cache
def _full() -> bytes:
    return (FONT_DIR / FILE).read_bytes()


@functools.cache
def _reduced() -> bytes:
    font = ttLib.TTFont(io.BytesIO(_full()), recalcTimestamp=False)
    options = subset.Options(
        notdef_outline=True,
        recommended_glyphs=True,
        glyph_names=True,
        name_IDs=["*"],
        name_languages=["*"],
        layout_features=[],
    )
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "MATH", "hdmx", "FFTM", "kern"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[c for low, high in EUROPEAN for c in range(low, high + 1)])
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def _data(reduced: bool) -> bytes:
    return _reduced() if reduced else _full()


@functools.cache
def _template(reduced: bool) -> TTFFont:
    # TTFFont reads any file object fontTools accepts, not only a path.
    return TTFFont(FPDF(), io.BytesIO(_data(reduced)), FONT.lower(), "")  # type: ignore[arg-type]


def strings_in(value: object) -> Iterable[str]:
    """Every string inside a (nested) frozen dataclass, tuple or value of the billing model."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from strings_in(item)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            yield from strings_in(getattr(value, name))


def covered(texts: Iterable[str]) -> bool:
    """Whether every character of ``texts`` is in the reduced font."""
    cmap = _template(True).cmap
    return all(ord(char) in cmap for text in texts for char in text if char >= " ")


def add_font(pdf: FPDF, reduced: bool) -> None:
    """Register DejaVu Sans with ``pdf`` as ``FPDF.add_font`` would, from the parsed template."""
    template = _template(reduced)
    font = copy.copy(template)
    font.i = len(pdf.fonts) + 1
    # recalcBBoxes=False: fpdf2's subsetting then copies the glyphs as they are instead of
    # decoding and re-encoding every outline (their bounding boxes are already right).
    font.ttfont = ttLib.TTFont(
        io.BytesIO(_data(reduced)), recalcTimestamp=False, recalcBBoxes=False, lazy=True
    )
    font.desc = copy.copy(template.desc)  # fpdf2 writes the PDF object's id into it
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.subset = SubsetMap(font)
    pdf.fonts[template.fontkey] = font
