"""``emsp demo``: the bundled mock roaming network in a child process, registered and ready.

The mock runs as its own process (``python -m mock_backend``) so that its simulation never
competes with the UI's event loop, exactly as a real partner would be a separate system.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from .config import Settings, demo_profile
from .ocpi.auth import new_credentials_token

_URL = re.compile(r"(https?://\S+/versions)\b")


@dataclass
class MockProcess:
    process: subprocess.Popen[str]
    hub_versions_url: str
    token_a: str
    cpo_versions_urls: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_mock(
    *,
    seed: int,
    locations: int,
    speed: float,
    extra_args: list[str] | None = None,
    startup_timeout: float = 30.0,
) -> MockProcess:
    """Start ``emsp-mock`` on a free loopback port and read the URLs it prints."""
    token_a = new_credentials_token()
    cmd = [
        sys.executable,
        "-m",
        "mock_backend",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--token-a",
        token_a,
        "--seed",
        str(seed),
        "--locations",
        str(locations),
        "--speed",
        str(speed),
        *(extra_args or []),
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    hub: str | None = None
    cpos: dict[str, str] = {}
    deadline = time.monotonic() + startup_timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        match = _URL.search(line)
        if match:
            label = line[: match.start()].strip().rstrip(":").strip()
            if label.lower().startswith("hub"):
                hub = match.group(1)
            else:
                cpos[label] = match.group(1)
        if hub and line.strip().lower().startswith(("ready", "serving", "listening")):
            break
        if hub and cpos and "token" in line.lower():
            break
    if hub is None:
        proc.kill()
        raise RuntimeError("the mock backend did not start (run 'emsp-mock --port 0' to see why)")
    # Keep draining stdout so the child never blocks on a full pipe.
    threading.Thread(target=_drain, args=(proc,), daemon=True).start()
    return MockProcess(proc, hub, token_a, cpos)


def _drain(proc: subprocess.Popen[str]) -> None:
    assert proc.stdout is not None
    for _ in proc.stdout:
        pass


def demo_settings(settings: Settings) -> Settings:
    """The demo's own profile (see ``demo_profile``) with a free receiver port.

    What the driver set during an earlier demo (home, theme) is kept; partners are not: each
    demo starts a fresh network and registers with it again.
    """
    # As load-time values, not assignments: a later save (the theme) must not write them.
    demo = demo_profile(settings, receiver={"port": 0, "public_url": None}, partners=[])
    if demo.billing.supplier.iban:  # the demo's config names a supplier of its own: keep it
        return demo
    billing = demo.billing.model_dump() | {"supplier": DEMO_SUPPLIER}
    return demo_profile(
        settings, receiver={"port": 0, "public_url": None}, partners=[], billing=billing
    )


# Who issues the demo's invoices: made up, with the well-known example IBAN (valid checksum),
# so a demo invoice shows a whole payment block and its PDF a scannable EPC QR code.
DEMO_SUPPLIER = {
    "name": "Open eMSP Demo B.V.",
    "street": "Stationsplein 1",
    "postal_code": "1012 AB",
    "city": "Amsterdam",
    "country": "NL",
    "vat_id": "NL000099998B57",
    "email": "billing@demo.emsp.example",
    "iban": "NL91ABNA0417164300",
}


@dataclass
class DemoNetwork:
    """The running mock network and the demo profile that talks to it."""

    settings: Settings
    mock: MockProcess

    @property
    def hub(self) -> tuple[str, str]:
        """(versions URL, TOKEN_A) of the mock hub, for the app to register with."""
        return self.mock.hub_versions_url, self.mock.token_a


class DemoError(Exception):
    """The demo network could not start; the message is one readable line."""


@contextmanager
def running_demo(
    settings: Settings, *, seed: int, locations: int, speed: float
) -> Iterator[DemoNetwork]:
    """Start the mock network for the demo profile; stop it on exit.

    The caller (the command line) opens the app on ``network.settings``: the demo sits below
    the faces and never runs one itself.
    """
    demo = demo_settings(settings)
    print(
        f"Starting the simulated roaming network ({locations} locations, seed {seed})...",
        file=sys.stderr,
    )
    print(demo_profile_hint(demo), file=sys.stderr)
    try:
        mock = start_mock(seed=seed, locations=locations, speed=speed)
    except RuntimeError as err:
        raise DemoError(str(err)) from None
    try:
        yield DemoNetwork(demo, mock)
    finally:
        mock.stop()


def demo_profile_hint(demo: Settings) -> str:
    """Where the demo keeps its data, and how another terminal's ``emsp`` reaches it."""
    return (
        f"Demo profile: data in {demo.data_dir}, config in {demo.config_dir}.\n"
        "From another terminal add --demo to any command: "
        "emsp --demo stations paris, emsp --demo partners, emsp --demo sync."
    )


async def headless_summary(network: DemoNetwork) -> int:
    """``emsp demo --headless``: register with the hub, print what is behind it, exit."""
    from .node import EmspNode

    url, token = network.hub
    async with EmspNode(network.settings) as node:
        partner = await node.partners.add(url, token, name="demo-hub")
        total = await node.partners.location_count(partner)
    print(f"Connected to {partner.name} at {partner.versions_url}: {total} locations")
    for party in partner.parties:
        if party.role != "HUB":
            print(f"  {party.key:8} {party.role:4} {party.status}")
    return 0
