"""A simulated OCPI 2.2.1 roaming network: a hub in front of CPOs, over real HTTP.

    from mock_backend import MockConfig, running_mock

    async with running_mock(MockConfig(seed=1, locations=300)) as mock:
        ...  # mock.versions_url, mock.cpo_versions_urls, mock.token_a, mock.base_url

Command line: `emsp-mock --help`. Imports are lazy so `mock_backend.sim` and the generator stay
cheap to import on their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import MockConfig
    from .server import MockServer, running_mock

__all__ = ["MockConfig", "MockServer", "running_mock"]


def __getattr__(name: str) -> Any:
    if name == "MockConfig":
        from .config import MockConfig

        return MockConfig
    if name in ("MockServer", "running_mock"):
        from . import server

        return getattr(server, name)
    raise AttributeError(name)
