"""Versions module: our versions list and the 2.2.1 endpoints (configuration module)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ..ocpi.enums import InterfaceRole, ModuleID
from ..ocpi.models import Endpoint, Version, VersionDetail
from .auth import identify
from .context import VERSION, ReceiverContext
from .responses import ocpi_response, unauthorized


def version_detail(ctx: ReceiverContext) -> VersionDetail:
    endpoints = [
        Endpoint(
            identifier=ModuleID.CREDENTIALS,
            role=InterfaceRole.SENDER,
            url=f"{ctx.version_url}/credentials",
        )
    ]
    endpoints += [
        Endpoint(
            identifier=ModuleID(module), role=InterfaceRole(role), url=f"{ctx.version_url}/{path}"
        )
        for module, role, path in ctx.modules
    ]
    return VersionDetail(version=VERSION, endpoints=endpoints)


async def versions(request: Request) -> Response:
    ctx: ReceiverContext = request.app.state.ctx
    if await identify(request, ctx, allow_token_a=True) is None:
        return unauthorized(request)
    data = [Version(version=VERSION, url=ctx.version_url).to_ocpi()]
    return ocpi_response(request, data)


async def details(request: Request) -> Response:
    ctx: ReceiverContext = request.app.state.ctx
    if await identify(request, ctx, allow_token_a=True) is None:
        return unauthorized(request)
    return ocpi_response(request, version_detail(ctx).to_ocpi())
