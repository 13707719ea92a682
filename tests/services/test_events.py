"""The node's event bus: typed delivery, awaited publish, failing handlers skipped."""

from __future__ import annotations

import pytest

from emsp_tui.services.events import CardChanged, CommandResultPushed, EventBus

AT = CommandResultPushed("c-1", True, None)  # type: ignore[arg-type]


def test_emit_reaches_the_subscribers_of_that_type_only() -> None:
    bus = EventBus()
    heard: list[object] = []
    bus.subscribe(CommandResultPushed, heard.append)
    bus.subscribe(CardChanged, lambda e: heard.append("card"))
    bus.emit(AT)
    assert heard == [AT]


async def test_publish_awaits_each_handler_and_a_failure_does_not_stop_the_next(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = EventBus()
    heard: list[str] = []

    async def broken(event: CommandResultPushed) -> None:
        raise RuntimeError("partner down")

    async def fine(event: CommandResultPushed) -> None:
        heard.append(event.command_id)

    bus.subscribe(CommandResultPushed, broken)
    bus.subscribe(CommandResultPushed, fine)
    await bus.publish(AT)
    assert heard == ["c-1"]
    assert "event handler failed" in caplog.text


def test_unsubscribe_and_an_async_handler_on_emit_is_refused(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = EventBus()
    heard: list[object] = []
    stop = bus.subscribe(CommandResultPushed, heard.append)
    stop()

    async def slow(event: CommandResultPushed) -> None:
        heard.append(event)

    bus.subscribe(CommandResultPushed, slow)
    bus.emit(AT)
    assert heard == []
    assert "use publish" in caplog.text
