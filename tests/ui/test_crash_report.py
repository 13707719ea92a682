"""The crash report the app prints when an error escapes it holds no secret (issue #11):
Textual's own shows every frame's local variables, where a credentials token can sit."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from emsp_tui.app import EmspApp
from emsp_tui.ocpi.auth import encode_token_header, new_credentials_token

from .support import make_app


async def test_an_unhandled_error_is_reported_without_the_frames_locals(tmp_path: Path) -> None:
    token = new_credentials_token()
    app = make_app(tmp_path)

    def fail_with_a_secret_in_scope() -> None:
        authorization = encode_token_header(token)  # as an OCPI call holds it
        raise RuntimeError(f"boom ({len(authorization)} characters in scope)")

    printed: list[object] = []
    app._print_error_renderables = lambda: printed.extend(app._exit_renderables)  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):  # run_test raises it again for the test, at the end
        await _crash(app, fail_with_a_secret_in_scope)
    out = io.StringIO()
    for renderable in printed:
        Console(file=out, width=200).print(renderable)
    report = out.getvalue()
    assert "RuntimeError" in report
    assert "fail_with_a_secret_in_scope" in report  # the traceback is there
    assert token not in report
    assert encode_token_header(token).split()[1] not in report


async def _crash(app: EmspApp, failing: Callable[[], None]) -> None:
    async with app.run_test(size=(120, 35)) as pilot:
        app.call_later(failing)
        await pilot.pause()
