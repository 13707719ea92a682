"""Integration fixtures: the mock network and our eMSP node, each on its own loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from emsp_tui.config import load_settings
from emsp_tui.services.node import EmspNode
from mock_backend.config import MockConfig
from mock_backend.server import MockServer, running_mock


@pytest.fixture
async def mock() -> AsyncIterator[MockServer]:
    # No status churn: listings stay put unless a test changes them on purpose.
    async with running_mock(MockConfig(seed=7, locations=250, churn_per_minute=0)) as server:
        yield server


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[EmspNode]:
    settings = load_settings(data_dir=tmp_path / "data", config_dir=tmp_path / "config")
    settings.receiver.port = 0
    async with EmspNode(settings) as running:
        yield running
