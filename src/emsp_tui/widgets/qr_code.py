"""A QR code drawn with half-block characters: two modules per character cell, so a 21-module
code takes 29x15 cells with its 4-module quiet zone. Always black on white, whatever the
theme: scanners expect dark modules on a light background, with a light quiet zone around.
"""

from __future__ import annotations

from textual.app import RenderResult
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

# (top dark, bottom dark) -> character; the foreground is the dark colour.
_HALF = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}


def qr_matrix(data: str, border: int = 4) -> list[list[bool]]:
    """Module matrix (True = dark) with a quiet zone of ``border`` modules."""
    import qrcode  # heavy-ish: only when a code is drawn
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border)
    code.add_data(data)
    code.make(fit=True)
    return [list(row) for row in code.get_matrix()]


def half_block_lines(matrix: list[list[bool]]) -> list[str]:
    rows = [*matrix, [False] * len(matrix[0])] if len(matrix) % 2 else matrix
    return [
        "".join(_HALF[(top, bottom)] for top, bottom in zip(rows[y], rows[y + 1], strict=True))
        for y in range(0, len(rows), 2)
    ]


class QrCode(Widget):
    DEFAULT_CSS = """
    QrCode {
        width: auto;
        height: auto;
        color: black;
        background: white;
    }
    """

    data: reactive[str] = reactive("", layout=True)

    def __init__(self, data: str = "", *, border: int = 4, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border = border
        self._lines: list[str] = []
        self.data = data

    def watch_data(self, data: str) -> None:
        self._lines = half_block_lines(qr_matrix(data, self.border)) if data else []

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return len(self._lines[0]) if self._lines else 0

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines)

    def render(self) -> RenderResult:
        return "\n".join(self._lines)
