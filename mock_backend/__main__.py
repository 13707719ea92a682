"""`python -m mock_backend`: the same as `emsp-mock`."""

from __future__ import annotations

from .cli import main

raise SystemExit(main())
