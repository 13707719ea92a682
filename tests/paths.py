"""Where the shared OCPI material lives: ../shared beside the checkout (as in CI)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("EMSP_SHARED_DIR", REPO.parent / "shared"))
OCPI_EXAMPLES = SHARED / "ocpi" / "examples"
