"""Where the OCPI reference material the tests read lives: tests/data/ocpi, copied verbatim.

The examples are the spec's own (CC BY-ND 4.0, never edited) and the OpenAPI schemas are
ThaddeusJiang/ocpi-openapi (MIT); each folder keeps its SOURCE.md and licence notice.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OCPI_DATA = REPO / "tests" / "data" / "ocpi"
OCPI_EXAMPLES = OCPI_DATA / "examples"
OCPI_SCHEMAS = OCPI_DATA / "schemas" / "openapi"
