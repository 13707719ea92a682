"""Local persistence: SQLite in WAL mode, versioned migrations, one writer thread."""

from __future__ import annotations

from .db import Database

__all__ = ["Database"]
