import pytest

from tests.e2e.conftest import Api, errors, fields_of


async def test_profile_follow_and_unfollow(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    anonymous = await api.client.get("/api/profiles/ALICE")
    assert anonymous.json() == {"profile": {"username": "alice", "bio": "", "image": "", "following": False}}
    for _ in range(2):
        followed = await api.client.post("/api/profiles/alice/follow", headers=api.auth(bob))
        assert followed.status_code == 200
        assert followed.json()["profile"]["following"] is True
    seen_by_bob = await api.client.get("/api/profiles/alice", headers=api.auth(bob))
    assert seen_by_bob.json()["profile"]["following"] is True
    seen_by_alice = await api.client.get("/api/profiles/bob", headers=api.auth(alice))
    assert seen_by_alice.json()["profile"]["following"] is False
    for _ in range(2):
        unfollowed = await api.client.delete("/api/profiles/alice/follow", headers=api.auth(bob))
        assert unfollowed.json()["profile"]["following"] is False


async def test_profile_errors(api: Api) -> None:
    alice = await api.register("alice")
    assert (await api.client.get("/api/profiles/nobody")).status_code == 404
    assert (await api.client.post("/api/profiles/nobody/follow", headers=api.auth(alice))).status_code == 404
    assert (await api.client.post("/api/profiles/alice/follow")).status_code == 401
    assert (await api.client.delete("/api/profiles/alice/follow")).status_code == 401
    forged = {"Authorization": "Token not.a.token"}
    assert (await api.client.get("/api/profiles/alice", headers=forged)).status_code == 401
    self_follow = await api.client.post("/api/profiles/alice/follow", headers=api.auth(alice))
    assert self_follow.status_code == 422
    assert self_follow.json() == errors({"username": ["is you; you cannot follow yourself"]})


async def test_comments_add_list_delete(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    await api.publish(alice, "Post")
    added = await api.client.post(
        "/api/articles/post/comments", json={"comment": {"body": "Thank you so much!"}}, headers=api.auth(bob)
    )
    assert added.status_code == 200
    comment = added.json()["comment"]
    assert (comment["body"], comment["author"]["username"]) == ("Thank you so much!", "bob")
    assert isinstance(comment["id"], int)
    second = await api.client.post(
        "/api/articles/post/comments", json={"comment": {"body": "Second"}}, headers=api.auth(alice)
    )
    listed = await api.client.get("/api/articles/post/comments")
    assert [c["body"] for c in listed.json()["comments"]] == ["Second", "Thank you so much!"]
    assert listed.json()["comments"][1] == comment

    assert (
        await api.client.delete(f"/api/articles/post/comments/{comment['id']}", headers=api.auth(alice))
    ).status_code == 403
    deleted = await api.client.delete(f"/api/articles/post/comments/{comment['id']}", headers=api.auth(bob))
    assert deleted.status_code == 204
    again = await api.client.delete(f"/api/articles/post/comments/{comment['id']}", headers=api.auth(bob))
    assert again.status_code == 404
    assert [c["id"] for c in (await api.client.get("/api/articles/post/comments")).json()["comments"]] == [
        second.json()["comment"]["id"]
    ]


async def test_comment_errors(api: Api) -> None:
    alice = await api.register("alice")
    await api.publish(alice, "Post")
    await api.publish(alice, "Other")
    on_other = await api.client.post(
        "/api/articles/other/comments", json={"comment": {"body": "x"}}, headers=api.auth(alice)
    )
    other_id = on_other.json()["comment"]["id"]
    assert (await api.client.get("/api/articles/missing/comments")).status_code == 404
    assert (
        await api.client.post("/api/articles/post/comments", json={"comment": {"body": "x"}})
    ).status_code == 401
    missing_article = await api.client.post(
        "/api/articles/missing/comments", json={"comment": {"body": "x"}}, headers=api.auth(alice)
    )
    assert missing_article.status_code == 404
    blank = await api.client.post(
        "/api/articles/post/comments", json={"comment": {"body": " "}}, headers=api.auth(alice)
    )
    assert (blank.status_code, blank.json()) == (422, errors({"body": ["can't be blank"]}))
    wrong_article = await api.client.delete(
        f"/api/articles/post/comments/{other_id}", headers=api.auth(alice)
    )
    assert wrong_article.status_code == 404
    assert (await api.client.delete(f"/api/articles/other/comments/{other_id}")).status_code == 401


@pytest.mark.parametrize("comment_id", ["abc", "0", "-1", "1.5", str(2**63), str(10**30)])
async def test_impossible_comment_ids_are_422(api: Api, comment_id: str) -> None:
    alice = await api.register("alice")
    await api.publish(alice, "Post")
    response = await api.client.delete(f"/api/articles/post/comments/{comment_id}", headers=api.auth(alice))
    assert response.status_code == 422
    assert fields_of(response) == ["id"]


async def test_deleting_an_article_removes_its_comments(api: Api) -> None:
    alice = await api.register("alice")
    await api.publish(alice, "Post")
    await api.client.post(
        "/api/articles/post/comments", json={"comment": {"body": "x"}}, headers=api.auth(alice)
    )
    await api.client.delete("/api/articles/post", headers=api.auth(alice))
    assert (await api.client.get("/api/articles/post/comments")).status_code == 404


async def test_notifications_inbox_and_mark_read(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    await api.client.post("/api/profiles/alice/follow", headers=api.auth(bob))
    process = await api.resolve_consumer()
    assert await process(100) == 1
    inbox = await api.client.get("/api/notifications", headers=api.auth(alice))
    assert inbox.status_code == 200
    body = inbox.json()
    assert (body["notificationsCount"], body["unreadCount"]) == (1, 1)
    note = body["notifications"][0]
    assert (note["kind"], note["actor"]["username"], note["read"], note["article"]) == (
        "userFollowed",
        "bob",
        False,
        None,
    )
    marked = await api.client.post(
        "/api/notifications/read", json={"upTo": note["id"]}, headers=api.auth(alice)
    )
    assert marked.status_code == 200
    assert marked.json()["unreadCount"] == 0
    assert (await api.client.get("/api/notifications", headers=api.auth(bob))).json()[
        "notificationsCount"
    ] == 0


async def test_notification_errors(api: Api) -> None:
    alice = await api.register("alice")
    assert (await api.client.get("/api/notifications")).status_code == 401
    assert (await api.client.post("/api/notifications/read", json={"upTo": 1})).status_code == 401
    for bad in [{}, {"upTo": 0}, {"upTo": "x"}, {"upTo": 2**63}]:
        response = await api.client.post("/api/notifications/read", json=bad, headers=api.auth(alice))
        assert response.status_code == 422, bad
        assert fields_of(response) == ["upTo"]
    assert (await api.client.get("/api/notifications?limit=0", headers=api.auth(alice))).status_code == 422
