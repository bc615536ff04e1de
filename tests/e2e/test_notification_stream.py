"""GET /api/notifications/stream on every backend: notifications as they are delivered, resumption
without a gap, the per-user cap, stream tickets, and streams that end with their token."""

from typing import Any

import pytest

from entrypoints.http.shutdown_notice import ShutdownNotice
from tests.e2e.conftest import Api
from tests.support.sse import AsgiStream, Event

STREAM = "/api/notifications/stream"


def stream(api: Api, url: str = STREAM, headers: dict[str, str] | None = None) -> AsgiStream:
    return AsgiStream(api.app, url, headers or {})


async def inbox(api: Api, token: str) -> list[dict[str, Any]]:
    response = await api.client.get("/api/notifications", headers=api.auth(token))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["notifications"]
    return items


async def followed(api: Api, follower: str, followee: str) -> None:
    response = await api.client.post(f"/api/profiles/{followee}/follow", headers=api.auth(follower))
    assert response.status_code == 200, response.text


async def deliver(api: Api) -> None:
    assert await api.container.process_events()(100) >= 1


def assert_is(event: Event, item: dict[str, Any]) -> None:
    assert event.event == "notification"
    assert event.id == str(item["id"])
    assert event.json() == item


async def test_a_follow_reaches_the_followees_open_stream_as_in_the_inbox(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    async with stream(api, headers=api.auth(alice)) as live:
        assert live.status == 200
        assert live.headers["content-type"].startswith("text/event-stream")
        assert live.headers["cache-control"] == "no-store"
        assert live.headers["x-content-type-options"] == "nosniff"
        assert "content-length" not in live.headers
        assert await live.live() == []  # nothing before: a stream without Last-Event-ID sends new ones
        await followed(api, bob, "alice")
        await deliver(api)
        event = await live.notification()
        [item] = await inbox(api, alice)
        assert_is(event, item)
        assert item["actor"]["username"] == "bob"


async def test_last_event_id_resumes_after_a_reconnection_without_a_gap(api: Api) -> None:
    alice = await api.register("alice")
    followers = [await api.register(name) for name in ("bob", "carol", "dave")]
    async with stream(api, headers=api.auth(alice)) as live:
        await live.live()
        await followed(api, followers[0], "alice")
        await deliver(api)
        first = await live.notification()
    # Disconnected: two more arrive meanwhile.
    await followed(api, followers[1], "alice")
    await followed(api, followers[2], "alice")
    await deliver(api)
    items = list(reversed(await inbox(api, alice)))  # oldest first
    assert first.id == str(items[0]["id"])
    resumed = {**api.auth(alice), "Last-Event-ID": first.id}
    async with stream(api, headers=resumed) as again:
        missed = await again.live()
        assert [e.id for e in missed] == [str(item["id"]) for item in items[1:]]
        for event, item in zip(missed, items[1:], strict=True):
            assert_is(event, item)
    # The first connection's lastEventId query parameter does the same; the header comes first.
    async with stream(api, f"{STREAM}?lastEventId={items[0]['id']}", api.auth(alice)) as query:
        assert [e.id for e in await query.live()] == [str(item["id"]) for item in items[1:]]
    both = {**api.auth(alice), "Last-Event-ID": str(items[1]["id"])}
    async with stream(api, f"{STREAM}?lastEventId=0", both) as header_first:
        assert [e.id for e in await header_first.live()] == [str(items[2]["id"])]


async def test_a_malformed_last_event_id_is_a_422(api: Api) -> None:
    alice = await api.register("alice")
    async with stream(api, headers={**api.auth(alice), "Last-Event-ID": "x"}) as refused:
        assert refused.status == 422
        assert refused.json()["errors"]["Last-Event-ID"] == ["must be an integer"]
    async with stream(api, f"{STREAM}?lastEventId=-1", api.auth(alice)) as refused:
        assert refused.status == 422
        assert "lastEventId" in refused.json()["errors"]


async def test_the_anonymous_get_401_before_their_parameters_are_read(api: Api) -> None:
    for url, headers in ((f"{STREAM}?lastEventId=x", {}), (STREAM, {"Last-Event-ID": "x"})):
        async with stream(api, url, headers) as refused:
            assert refused.status == 401
            assert refused.headers["www-authenticate"] == "Token"
    ghost = {"Authorization": "Token not-a-token"}
    async with stream(api, f"{STREAM}?lastEventId=x", ghost) as refused:
        assert refused.status == 401


async def test_a_malformed_parameter_beside_a_ticket_is_a_422_that_leaves_the_ticket_unspent(
    api: Api,
) -> None:
    ticket = await ticket_for(api, await api.register("alice"))
    async with stream(api, f"{STREAM}?ticket={ticket}&lastEventId=x") as refused:
        assert refused.status == 422
        assert "lastEventId" in refused.json()["errors"]
    async with stream(api, f"{STREAM}?ticket={ticket}") as live:
        assert live.status == 200
    async with stream(api, f"{STREAM}?ticket=") as empty:
        assert empty.status == 401


async def test_streams_end_cleanly_when_their_process_begins_to_shut_down(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    state = api.app.state
    process_shutdown, state.shutdown = state.shutdown, ShutdownNotice()
    try:
        async with (
            stream(api, headers=api.auth(alice)) as first,
            stream(api, headers=api.auth(alice)) as second,
        ):
            await first.live()
            await second.live()
            state.shutdown.give()
            await first.end(within=2)
            await second.end(within=2)
        async with stream(api, headers=api.auth(alice)) as late:  # opened while the process stops
            assert late.status == 200
            await late.end(within=2)
    finally:
        state.shutdown = process_shutdown
    # A reconnection, to a process that serves, resumes after the last id it saw and misses nothing.
    await followed(api, bob, "alice")
    await deliver(api)
    async with stream(api, STREAM, {**api.auth(alice), "Last-Event-ID": "0"}) as resumed:
        assert resumed.status == 200
        assert_is(await resumed.notification(), (await inbox(api, alice))[0])


async def test_streams_beyond_the_cap_get_429_with_retry_after(api: Api) -> None:
    alice = await api.register("alice")
    cap = api.container.settings().stream_connections_per_user
    opened = [stream(api, headers=api.auth(alice)) for _ in range(cap)]
    for each in opened:
        await each.__aenter__()
        await each.live()
    try:
        async with stream(api, headers=api.auth(alice)) as refused:
            assert refused.status == 429
            assert int(refused.headers["retry-after"]) > 0
            said = f"too many notification streams open (at most {cap})"
            assert refused.json() == {"errors": {"body": [said]}}
        # Another user is not affected.
        async with stream(api, headers=api.auth(await api.register("bob"))) as other:
            assert other.status == 200
    finally:
        await opened[0].__aexit__()
    async with stream(api, headers=api.auth(alice)) as freed:  # the closed one's slot is free again
        assert freed.status == 200
    for each in opened[1:]:
        await each.__aexit__()


async def ticket_for(api: Api, token: str) -> str:
    response = await api.client.post("/api/notifications/stream-ticket", headers=api.auth(token))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["expiresIn"] == 30
    assert response.headers["cache-control"] == "no-store"
    ticket: str = body["ticket"]
    return ticket


async def test_a_ticket_opens_one_stream_once(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    ticket = await ticket_for(api, alice)
    async with stream(api, f"{STREAM}?ticket={ticket}") as live:
        assert live.status == 200
        await live.live()
        await followed(api, bob, "alice")
        await deliver(api)
        assert_is(await live.notification(), (await inbox(api, alice))[0])
    async with stream(api, f"{STREAM}?ticket={ticket}") as again:
        assert again.status == 401
        assert again.json() == {"errors": {"body": ["ticket has already been used"]}}


async def test_a_ticket_is_no_api_token_and_an_api_token_no_ticket(api: Api) -> None:
    alice = await api.register("alice")
    ticket = await ticket_for(api, alice)
    for scheme in ("Token", "Bearer"):
        response = await api.client.get("/api/user", headers=api.auth(ticket, scheme))
        assert response.status_code == 401, response.text
    async with stream(api, headers=api.auth(ticket)) as refused:
        assert refused.status == 401
    async with stream(api, f"{STREAM}?ticket={alice}") as refused:
        assert refused.status == 401
        assert refused.json() == {"errors": {"body": ["ticket is invalid or expired"]}}
    async with stream(api) as anonymous:
        assert anonymous.status == 401
    response = await api.client.post("/api/notifications/stream-ticket", headers=api.auth(ticket))
    assert response.status_code == 401


@pytest.mark.parametrize("how", ["password", "revoke"])
async def test_a_revoked_tokens_stream_and_ticket_end(api: Api, how: str) -> None:
    alice = await api.register("alice")
    ticket = await ticket_for(api, alice)
    async with stream(api, headers=api.auth(alice)) as live:
        await live.live()
        if how == "password":
            body = {"user": {"password": "another pass-phrase 456"}}
            response = await api.client.put("/api/user", json=body, headers=api.auth(alice))
            assert response.status_code == 200, response.text
        else:
            await api.container.revoke_tokens()("alice")
        await live.end(within=5)  # within a second or two: the stream checks every second
    async with stream(api, f"{STREAM}?ticket={ticket}") as refused:
        assert refused.status == 401
        assert refused.json() == {"errors": {"body": ["token has been revoked"]}}


async def test_head_of_the_stream_answers_its_headers_and_ends(api: Api) -> None:
    alice = await api.register("alice")
    head = await api.client.head(STREAM, headers=api.auth(alice))
    assert head.status_code == 200
    assert head.headers["content-type"].startswith("text/event-stream")
    assert head.content == b""
