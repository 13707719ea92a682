"""Retries: idempotent requests only, transient failures only, bounded, backoff with jitter."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from emsp_tui.ocpi import errors as e
from emsp_tui.ocpi.errors import OcpiError
from emsp_tui.ocpi.retry import RetryPolicy

from .client_support import Peer, ocpi

Script = Callable[[httpx.Request], httpx.Response]


def script(*responses: httpx.Response | type[Exception]) -> Script:
    """Answer with each response in turn (an exception class is raised instead)."""
    pending: Iterator[httpx.Response | type[Exception]] = iter(responses)

    def answer(request: httpx.Request) -> httpx.Response:
        step = next(pending)
        if isinstance(step, httpx.Response):
            return step
        raise step("scripted failure")

    return answer


def unavailable() -> httpx.Response:
    return httpx.Response(503, text="Service Unavailable")


async def test_get_is_retried_on_503_then_succeeds() -> None:
    peer = Peer(script(unavailable(), unavailable(), ocpi(["ok"])))
    async with peer.client() as client:
        reply = await client.get("https://cpo/x")
    assert reply.data == ["ok"]
    assert len(peer.requests) == 3
    # Same logical operation: one correlation id; each attempt is a new request id.
    assert len({r.headers["x-correlation-id"] for r in peer.requests}) == 1
    assert len({r.headers["x-request-id"] for r in peer.requests}) == 3
    assert [x.attempt for x in peer.exchanges] == [1, 2, 3]
    assert peer.sleeps == [0.5, 1.0]  # exponential backoff (jitter pinned to 0 here)


@pytest.mark.parametrize("method", ["POST", "PATCH"])
async def test_post_and_patch_are_never_retried(method: str) -> None:
    peer = Peer(script(unavailable(), ocpi()))
    async with peer.client() as client:
        with pytest.raises(e.OcpiHttpError):
            await client.request(method, "https://cpo/x", body={"a": 1})
    assert len(peer.requests) == 1
    assert peer.sleeps == []


async def test_post_is_not_retried_after_a_transport_error_either() -> None:
    peer = Peer(script(httpx.ConnectError, ocpi()))
    async with peer.client() as client:
        with pytest.raises(e.OcpiTransportError):
            await client.post("https://cpo/commands/START_SESSION", {"a": 1})
    assert len(peer.requests) == 1


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError, httpx.ReadTimeout, httpx.ConnectTimeout, httpx.RemoteProtocolError],
)
async def test_put_and_delete_are_retried_on_transport_errors(failure: type[Exception]) -> None:
    peer = Peer(script(failure, ocpi(), failure, ocpi()))
    async with peer.client() as client:
        await client.put("https://cpo/tokens/NL/TNM/1", {"a": 1})
        await client.delete("https://cpo/x")
    assert [r.method for r in peer.requests] == ["PUT", "PUT", "DELETE", "DELETE"]
    assert peer.requests[0].content == peer.requests[1].content


@pytest.mark.parametrize("code", [4002, 4003])
async def test_hub_timeout_and_connection_problem_are_retried(code: int) -> None:
    peer = Peer(script(ocpi(None, code, "hub"), ocpi([1])))
    async with peer.client() as client:
        assert (await client.get("https://hub/x")).data == [1]
    assert len(peer.requests) == 2


@pytest.mark.parametrize(
    "response",
    [
        ocpi(None, 4001, "unknown receiver"),
        ocpi(None, 2001, "bad"),
        ocpi(None, 3000, "server error"),
        httpx.Response(404),
        httpx.Response(401),
    ],
)
async def test_permanent_failures_are_not_retried(response: httpx.Response) -> None:
    peer = Peer(script(response, ocpi()))
    async with peer.client() as client:
        with pytest.raises(OcpiError):
            await client.get("https://hub/x")
    assert len(peer.requests) == 1


async def test_attempts_are_bounded() -> None:
    peer = Peer(lambda r: unavailable())
    async with peer.client(retry=RetryPolicy(attempts=4)) as client:
        with pytest.raises(e.OcpiHttpError) as caught:
            await client.get("https://cpo/x")
    assert len(peer.requests) == 4
    assert caught.value.http_status == 503
    assert caught.value.request_id == peer.requests[-1].headers["x-request-id"]


async def test_429_honours_retry_after() -> None:
    limited = httpx.Response(429, headers={"Retry-After": "7"})
    peer = Peer(script(limited, ocpi([])))
    async with peer.client() as client:
        await client.get("https://cpo/x")
    assert len(peer.requests) == 2
    assert peer.sleeps == [7.0]


async def test_a_retry_after_beyond_the_cap_ends_the_retries() -> None:
    limited = httpx.Response(429, headers={"Retry-After": "3600"})
    peer = Peer(script(limited, ocpi([])))
    async with peer.client() as client:
        with pytest.raises(e.OcpiHttpError) as caught:
            await client.get("https://cpo/x")
    assert caught.value.retry_after == 3600
    assert len(peer.requests) == 1


def test_backoff_grows_exponentially_is_capped_and_jittered() -> None:
    policy = RetryPolicy(backoff=1.0, max_backoff=5.0, jitter=0.5)
    assert [policy.backoff_delay(n, 0.0) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]
    assert policy.backoff_delay(2, 0.999) == pytest.approx(1.001)
    assert RetryPolicy(jitter=0).backoff_delay(1, 0.9) == 0.5


async def test_jitter_spreads_the_delays() -> None:
    peer = Peer(script(unavailable(), ocpi()))
    async with peer.client(rand=lambda: 0.5) as client:
        await client.get("https://cpo/x")
    assert peer.sleeps == [0.375]  # 0.5 s * (1 - 0.5 * 0.5)


async def test_credentials_put_can_opt_out_of_retries() -> None:
    peer = Peer(script(unavailable(), ocpi()))
    async with peer.client() as client:
        with pytest.raises(e.OcpiHttpError):
            await client.request("PUT", "https://cpo/credentials", body={}, idempotent=False)
    assert len(peer.requests) == 1
