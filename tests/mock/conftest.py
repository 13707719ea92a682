"""Fixtures for the mock network tests: a mock on an ephemeral port, and a stub eMSP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mock_backend import MockConfig, running_mock
from mock_backend.server import MockServer

from .emsp_stub import EmspStub, serving


def fast_config(**overrides: object) -> MockConfig:
    """Quick timings, no random churn: tests decide what changes."""
    settings: dict[str, object] = dict(
        seed=7,
        locations=300,
        churn_per_minute=0,
        command_delay=0.05,
        push_interval=0.2,
        tick=0.05,
        speed=600,
        hub_timeout=2.0,
    )
    settings.update(overrides)
    return MockConfig(**settings)  # type: ignore[arg-type]


@pytest.fixture
async def mock() -> AsyncIterator[MockServer]:
    async with running_mock(fast_config()) as server:
        yield server


@pytest.fixture
async def stub() -> AsyncIterator[EmspStub]:
    async with serving(EmspStub()) as emsp:
        yield emsp


@pytest.fixture
async def via_hub(mock: MockServer, stub: EmspStub) -> EmspStub:
    """The stub eMSP registered with the hub."""
    answer = await stub.register_with(mock.versions_url, mock.token_a)
    assert answer.json()["status_code"] == 1000, answer.text
    return stub
