"""The bundled DejaVu fonts, loaded once per process for fast rendering.

fpdf2 parses a TrueType font afresh for every document (about 30 ms for DejaVu Sans) and then
subsets it in place, so a parsed font cannot be shared. We therefore keep, per process:
* a reduced copy of each font in memory (European scripts: Latin, Greek, Cyrillic, punctuation,
  currency signs; about 1,600 of 6,000 glyphs), so the per-document subsetting is cheap;
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
FILES = {"": "DejaVuSans.ttf"}
EUROPEAN = (
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x024F),  # Latin-1 Supplement, Latin Extended-A and -B
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x04FF),  # Cyrillic
    (0x1E00, 0x1EFF),  # Latin Extended Additional
    (0x2000, 0x206F),  # General Punctuation
    (0x20A0, 0x20CF),  # Currency Symbols
    (0x2100, 0x214F),  # Letterlike Symbols
    (0x2190, 0x21FF),  # Arrows
    (0x2212, 0x2212),  # minus sign
)


@functools.cache
def _full(style: str) -> bytes:
    return (FONT_DIR / FILES[style]).read_bytes()


@functools.cache
def _reduced(style: str) -> bytes:
    font = ttLib.TTFont(io.BytesIO(_full(style)), recalcTimestamp=False)
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


@functools.cache
def _template(style: str, reduced: bool) -> TTFFont:
    data = _reduced(style) if reduced else _full(style)
    # TTFFont reads any file object fontTools accepts, not only a path.
    return TTFFont(FPDF(), io.BytesIO(data), f"{FONT.lower()}{style}", style)  # type: ignore[arg-type]


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
    """Whether every character of ``texts`` is in the reduced fonts."""
    cmap = _template("", True).cmap
    return all(ord(char) in cmap for text in texts for char in text if char >= " ")


def add_fonts(pdf: FPDF, reduced: bool) -> None:
    """Register DejaVu Sans (regular and bold) with ``pdf``, as ``add_font`` would."""
    for style in FILES:
        template = _template(style, reduced)
        font = copy.copy(template)
        font.i = len(pdf.fonts) + 1
        data = _reduced(style) if reduced else _full(style)
        # recalcBBoxes=False: fpdf2's subsetting then copies the glyphs as they are instead of
        # decoding and re-encoding every outline (their bounding boxes are already right).
        font.ttfont = ttLib.TTFont(
            io.BytesIO(data), recalcTimestamp=False, recalcBBoxes=False, lazy=True
        )
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font.subset = SubsetMap(font)
        pdf.fonts[template.fontkey] = font
