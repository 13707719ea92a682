"""Partner text in our log lines: one line, no terminal control. A URL path or an id may hold
CR/LF (``%0A`` decodes to a newline, which would forge a second log line) or ESC sequences
(which would recolour a terminal tailing the log); they are written as ``\\x..`` escapes."""

from __future__ import annotations

MAX_CHARS = 300


def loggable(text: object, limit: int = MAX_CHARS) -> str:
    value = str(text)
    if len(value) > limit:
        value = value[:limit] + "…"
    if value.isprintable():
        return value
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in value)
