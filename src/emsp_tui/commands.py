"""Headless commands: ``emsp serve`` and ``emsp partners ...``.

Print for humans, exit codes for scripts: 0 done, 1 failed, 2 a wrong command line.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from collections.abc import Sequence

from .config import Settings
from .node import EmspNode
from .ocpi.auth import new_credentials_token
from .services.partner_urls import NotAUrl, check_versions_url, registration_failure
from .services.partners import PartnerError
from .store import partners as store
from .widgets.safe_text import terminal_safe


def _err(message: str, code: int = 1) -> int:
    # partner text (their error messages) never reaches the terminal as escape codes
    print(f"emsp: error: {terminal_safe(' '.join(message.split()))}", file=sys.stderr)
    return code


def _cannot_listen(settings: Settings) -> str | None:
    """``host:port: reason`` when our receiver could not bind, found before uvicorn tries.

    uvicorn reports a failed bind with ``sys.exit`` inside its task, which no caller can catch
    as an error, so the command line checks first (a port taken, a host that does not resolve).
    """
    host, port = settings.receiver.host, settings.receiver.port
    where = f"{host}:{port}"
    if port == 0:
        return None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
            probe.bind(address)
    except OSError as err:
        return f"{where}: {err.strerror or err}"
    return None


async def serve(settings: Settings, host: str | None, port: int | None) -> int:
    if host:
        settings.receiver.host = host
    if port is not None:
        settings.receiver.port = port
    if problem := _cannot_listen(settings):
        return _err(f"cannot listen on {problem}")
    node = EmspNode(settings)
    try:
        await node.start()
    except (OSError, SystemExit) as err:
        return _err(f"cannot listen on {settings.receiver.host}:{settings.receiver.port}: {err}")
    print(f"OCPI 2.2.1 versions URL: {node.versions_url}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await node.stop()
    return 0


async def partners_list(settings: Settings) -> int:
    async with EmspNode(settings, serve=False) as node:
        partners = await node.partners.list()
        deviations = await node.partner_status.deviations()
    if not partners:
        print("No partners yet. Connect one with: emsp partners add VERSIONS_URL --token TOKEN_A")
        return 0
    rows = [("NAME", "ROLES", "PARTIES", "STATE", "LAST ERROR", "VERSIONS URL")]
    for p in partners:
        roles = ",".join(sorted({str(r.get("role")) for r in p.roles})) or "-"
        parties = " ".join(f"{x.key}({x.role})" for x in p.parties if x.role != "HUB") or "-"
        rows.append((p.name, roles, parties, p.status, p.last_error or "-", p.versions_url))
    print_table(rows)
    for name, found in sorted(deviations.items()):
        kinds = ", ".join(f"{d.kind} x{d.seen}" for d in found)
        print(terminal_safe(f"{name} deviates from OCPI 2.2.1 (read anyway): {kinds}"))
    return 0


def print_table(rows: Sequence[Sequence[str]]) -> None:
    """Columns padded to their widest cell; the cells are partner text, made terminal-safe."""
    safe = [tuple(terminal_safe(cell) for cell in row) for row in rows]
    widths = [max(len(r[i]) for r in safe) for i in range(len(safe[0]))]
    for row in safe:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


async def partners_add(settings: Settings, versions_url: str, token: str, name: str | None) -> int:
    try:
        versions_url = check_versions_url(versions_url)
    except NotAUrl as err:
        return _err(str(err), 2)
    if problem := _cannot_listen(settings):
        return _err(
            f"cannot start our OCPI endpoints on {problem} (the partner calls them during the "
            "handshake; is the app or 'emsp serve' running? Then stop it, or set another port)"
        )
    node = EmspNode(settings)
    try:
        await node.start()
    except (OSError, SystemExit) as err:
        return _err(
            f"cannot start our OCPI endpoints on {settings.receiver.host}:{settings.receiver.port} "
            f"(the partner calls them during the handshake): {err}"
        )
    try:
        partner = await node.partners.add(versions_url, token, name)
    except PartnerError as err:
        return _err(registration_failure(versions_url, err))
    finally:
        await node.stop()
    roles = ", ".join(f"{r['role']} {r['country_code']}*{r['party_id']}" for r in partner.roles)
    print(terminal_safe(f"Connected to {partner.name} ({roles}) with OCPI {partner.version}."))
    behind = [p for p in partner.parties if p.role != "HUB"]
    if partner.is_hub and behind:
        parties = ", ".join(f"{p.key} ({p.role}, {p.status})" for p in behind)
        print(terminal_safe(f"Behind the hub: {parties}"))
    return 0


async def partners_remove(settings: Settings, name: str) -> int:
    async with EmspNode(settings, serve=False) as node:
        try:
            await node.partners.remove(name)
        except PartnerError as err:
            return _err(str(err))
    print(terminal_safe(f"Unregistered from {name}."))
    return 0


async def partners_invite(settings: Settings, label: str | None) -> int:
    token = new_credentials_token()
    async with EmspNode(settings, serve=False) as node:
        await node.db.run(store.add_registration_token, token, label)
        versions = node.versions_url
    print("Give the partner these two, out of band:")
    print(f"  versions URL: {versions}\n  TOKEN_A:      {token}")
    print("It is valid for one registration. Run 'emsp serve' (or the app) so they can reach us.")
    return 0
