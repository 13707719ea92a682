"""A DataTable that picks its columns by the room it has: narrow terminals keep the columns
that matter most, wide ones show them all, and one flexible column takes what is left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from .safe_text import plain

Cells = Mapping[str, Text | str]


@dataclass(frozen=True)
class Col:
    key: str
    label: str
    width: int  # content width; for the flexible column, its minimum
    priority: int = 0  # lower shows first when room is short (0: always)
    flex: bool = False
    justify: str = "left"
    ideal: int = 0  # flexible column: the width it gets before columns of priority >= 2 show


def fit(text: str | Text, width: int) -> Text:
    """A cell as inert Text: never markup, no control character (most cells are partner text)."""
    out = plain(text)
    out.truncate(width, overflow="ellipsis")
    return out


class ResponsiveTable(DataTable[Text]):
    COLUMNS: Sequence[Col] = ()
    SCROLLBAR = 2
    BINDINGS: ClassVar[list[BindingType]] = [
        # Rows, not columns, are what these tables are about: Home/End go to the first/last.
        Binding("home", "scroll_top", "First", show=False, id="table.first",
                tooltip="First row"),
        Binding("end", "scroll_bottom", "Last", show=False, id="table.last",
                tooltip="Last row (loads more when there is more)"),
    ]  # fmt: skip

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self._rows: list[tuple[str, Cells]] = []
        self._shown: tuple[tuple[str, int], ...] = ()
        self.hidden: frozenset[str] = frozenset()  # columns with nothing to say right now

    def hide(self, keys: frozenset[str]) -> None:
        if keys != self.hidden:
            self.hidden = keys
            if self._shown:
                self._relayout(self.size.width)

    # -- columns ------------------------------------------------------------------------------
    def plan(self, width: int) -> tuple[tuple[str, int], ...]:
        """(key, width) of the columns that fit ``width``, in declaration order."""
        pad = 2 * self.cell_padding
        room = max(0, width - self.SCROLLBAR)
        chosen: list[Col] = []
        columns = [c for c in self.COLUMNS if c.key not in self.hidden]
        for col in sorted(columns, key=lambda c: c.priority):
            need = sum(c.width + pad for c in chosen) + col.width + pad
            if col.priority >= 2:  # extras only once the flexible column has its ideal width
                need += sum(max(0, c.ideal - c.width) for c in chosen if c.flex)
            if col.priority == 0 or need <= room:
                chosen.append(col)
        used = sum(c.width + pad for c in chosen)
        flex = [c for c in chosen if c.flex]
        extra = max(0, room - used)
        widths = {c.key: c.width for c in chosen}
        if flex:
            widths[flex[0].key] += extra
        return tuple((c.key, widths[c.key]) for c in self.COLUMNS if c in chosen)

    def _relayout(self, width: int) -> None:
        shown = self.plan(width)
        if shown == self._shown:
            return
        self._shown = shown
        self._rebuild()

    def on_resize(self, event: events.Resize) -> None:
        self._relayout(event.size.width)

    def _rebuild(self) -> None:
        cursor = self.cursor_row
        self.clear(columns=True)
        cols = {c.key: c for c in self.COLUMNS}
        for key, width in self._shown:
            col = cols[key]
            label = Text(col.label, justify=col.justify)  # type: ignore[arg-type]
            self.add_column(label, width=width, key=key)
        for row_key, cells in self._rows:
            self._add(row_key, cells)
        if self._rows:
            self.move_cursor(row=min(cursor, len(self._rows) - 1), animate=False)

    def _add(self, row_key: str, cells: Cells) -> None:
        cols = {c.key: c for c in self.COLUMNS}
        values = []
        for key, width in self._shown:
            cell = fit(cells.get(key, ""), width)
            cell.justify = cols[key].justify  # type: ignore[assignment]
            values.append(cell)
        self.add_row(*values, key=row_key)

    # -- rows ---------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[tuple[str, Cells]], *, keep: str | None = None) -> None:
        """Replace the rows; the cursor goes to the row ``keep`` (its key) if still there."""
        if not self._shown:
            self._shown = self.plan(self.size.width or 80)
            self._rebuild()
        self._rows = list(rows)
        self.clear()
        for row_key, cells in self._rows:
            self._add(row_key, cells)
        keys = [k for k, _ in self._rows]
        if keep in keys:
            self.move_cursor(row=keys.index(keep), animate=False)

    def append_rows(self, rows: Sequence[tuple[str, Cells]]) -> None:
        known = {k for k, _ in self._rows}
        for row_key, cells in rows:
            if row_key not in known:
                self._rows.append((row_key, cells))
                self._add(row_key, cells)

    @property
    def row_keys(self) -> list[str]:
        return [k for k, _ in self._rows]

    @property
    def current_key(self) -> str | None:
        if not self._rows or not (0 <= self.cursor_row < len(self._rows)):
            return None
        return self._rows[self.cursor_row][0]
