"""Every platformdirs call lives here. Nothing is created at import time."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "emsp-tui"


def config_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """``--config-dir``, else ``EMSP_CONFIG_DIR``, else the platform's config folder."""
    chosen = override or os.environ.get("EMSP_CONFIG_DIR")
    return Path(chosen) if chosen else platformdirs.user_config_path(APP_NAME)


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """``--data-dir``, else ``EMSP_DATA_DIR``, else the platform's data folder."""
    chosen = override or os.environ.get("EMSP_DATA_DIR")
    return Path(chosen) if chosen else platformdirs.user_data_path(APP_NAME)


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (owner-only, it holds credentials) and return it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path
