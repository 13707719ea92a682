"""Integration fixtures: the mock network and our eMSP node, each on its own loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from emsp_tui.config import load_settings
from emsp_tui.node import EmspNode
from mock_backend.config import MockConfig
from mock_backend.server import MockServer, running_mock

# No status churn: listings stay put unless a test changes them on purpose.
NETWORK = MockConfig(seed=7, locations=250, churn_per_minute=0)


@asynccontextmanager
async def running_node(folder: Path) -> AsyncIterator[EmspNode]:
    """An eMSP node with its data and config under ``folder``, its receiver on a free port."""
    settings = load_settings(data_dir=folder / "data", config_dir=folder / "config")
    settings.receiver.port = 0
    async with EmspNode(settings) as running:
        yield running


@pytest.fixture
async def mock() -> AsyncIterator[MockServer]:
    async with running_mock(NETWORK) as server:
        yield server


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[EmspNode]:
    async with running_node(tmp_path) as running:
        yield running
