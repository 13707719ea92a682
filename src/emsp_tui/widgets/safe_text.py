"""Partner text made inert: shown literally, never read as markup, never a control character.

Names, addresses, tariff texts, ids and error messages come from CPOs and hubs we do not
control, and from data stored before the models refused control characters. Textual reads a
plain ``str`` as content markup (``[@click=app.quit]`` runs an action, ``[$error]`` recolours,
``[/]`` raises), its own ``escape`` misses ``[$var]`` and capitals, and ESC sequences or bidi
overrides pass to the terminal even inside Rich ``Text``. So partner text goes on screen only
as ``plain``/``plain_block`` Text or through ``notify_plain``, and to a terminal through
``terminal_safe``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Protocol

from rich.text import Text

if TYPE_CHECKING:  # the headless commands use terminal_safe without importing textual
    from rich.style import StyleType
    from textual.notifications import SeverityLevel

SHOWN_INSTEAD = "\ufffd"  # the replacement character: the driver sees something was there
# C0 (tab and newline too), DEL, C1; the bidi embeddings, overrides and isolates and the
# marks that reorder text; the line and paragraph separators (Python splits lines on them).
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """``text`` on one line with every unsafe character replaced by U+FFFD, one for one (so
    lengths, column widths and a Text's spans stay as they were)."""
    return UNSAFE.sub(SHOWN_INSTEAD, text)


def plain(text: str | Text, style: StyleType = "") -> Text:
    """One line of partner text for a widget: literal brackets, no control characters.
    A Text keeps its styles (only its characters are made safe)."""
    if isinstance(text, Text):
        out = text.copy()
        out.plain = terminal_safe(out.plain)
        if style:
            out.stylize_before(style)
        return out
    return Text(terminal_safe(text), style=style)


def plain_block(text: str | Text, style: StyleType = "") -> Text:
    """Several lines (our own line breaks): each line as :func:`plain`."""
    lines = text.split("\n")
    return Text("\n").join(plain(line, style) for line in lines)


def markup_literal(text: str) -> str:
    """Partner text where Textual insists on markup (the command palette's help line): made
    safe, then every bracket escaped, so it reads exactly as given."""
    return terminal_safe(text).replace("[", "\\[")


class Notifier(Protocol):
    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None: ...


def notify_plain(
    to: Notifier,
    *lines: str,
    title: str = "",
    severity: SeverityLevel = "information",
    timeout: float | None = None,
) -> None:
    """A notification whose lines hold partner text (error messages, names): no markup."""
    message = "\n".join(terminal_safe(line) for line in lines if line)
    to.notify(message, title=terminal_safe(title), severity=severity, timeout=timeout, markup=False)
