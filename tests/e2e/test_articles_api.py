"""Articles, favorites, feed and tags over HTTP: the happy paths and every way to get them wrong."""

import asyncio
import re
from typing import Any

import pytest

from tests.e2e.conftest import Api, errors, fields_of

TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


async def test_publish_read_edit_delete(api: Api) -> None:
    token = await api.register("alice")
    article = await api.publish(token, tagList=["training", "dragons"])
    assert article["slug"] == "how-to-train-your-dragon"
    assert article["tagList"] == ["dragons", "training"]
    assert (article["favorited"], article["favoritesCount"]) == (False, 0)
    assert article["author"] == {"username": "alice", "bio": "", "image": "", "following": False}
    assert TIMESTAMP.fullmatch(article["createdAt"])
    assert TIMESTAMP.fullmatch(article["updatedAt"])

    read = await api.client.get("/api/articles/how-to-train-your-dragon")
    assert read.status_code == 200
    assert read.json()["article"] == article

    edited = await api.client.put(
        "/api/articles/how-to-train-your-dragon",
        json={"article": {"title": "Dragons, revisited", "body": "With two hands", "tagList": ["dragons"]}},
        headers=api.auth(token),
    )
    assert edited.status_code == 200
    changed = edited.json()["article"]
    assert (changed["slug"], changed["title"], changed["body"], changed["tagList"]) == (
        "how-to-train-your-dragon",
        "Dragons, revisited",
        "With two hands",
        ["dragons"],
    )
    assert changed["description"] == "Ever wonder how?"
    assert changed["updatedAt"] >= changed["createdAt"]

    deleted = await api.client.delete("/api/articles/how-to-train-your-dragon", headers=api.auth(token))
    assert deleted.status_code == 204
    assert deleted.content == b""
    gone = await api.client.get("/api/articles/how-to-train-your-dragon")
    assert gone.status_code == 404
    assert gone.json() == errors(None, "article not found")


async def test_list_filters_pagination_and_counts(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    for n in range(3):
        await api.publish(alice, f"Alice {n}", tagList=["a"])
    await api.publish(bob, "Bob 0", tagList=["b", "a"])
    await api.client.post("/api/articles/alice-1/favorite", headers=api.auth(bob))

    async def listing(query: str, token: str | None = None) -> dict[str, Any]:
        headers = api.auth(token) if token else {}
        response = await api.client.get(f"/api/articles{query}", headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    everything = await listing("")
    assert [a["slug"] for a in everything["articles"]] == ["bob-0", "alice-2", "alice-1", "alice-0"]
    assert everything["articlesCount"] == 4
    assert all("body" not in a for a in everything["articles"])
    page = await listing("?limit=2&offset=1")
    assert ([a["slug"] for a in page["articles"]], page["articlesCount"]) == (["alice-2", "alice-1"], 4)
    assert (await listing("?tag=b"))["articlesCount"] == 1
    assert (await listing("?tag=A"))["articlesCount"] == 4
    assert (await listing("?author=BOB"))["articlesCount"] == 1
    favorited = await listing("?favorited=bob", bob)
    assert [(a["slug"], a["favorited"], a["favoritesCount"]) for a in favorited["articles"]] == [
        ("alice-1", True, 1)
    ]
    assert (await listing("?tag=a&author=alice&favorited=bob"))["articlesCount"] == 1
    assert await listing("?author=nobody") == {"articles": [], "articlesCount": 0}
    assert (await listing("?offset=100")) == {"articles": [], "articlesCount": 4}


async def test_feed_shows_followed_authors_and_needs_auth(api: Api) -> None:
    alice, bob, reader = await api.register("alice"), await api.register("bob"), await api.register("reader")
    await api.publish(alice, "From Alice")
    await api.publish(bob, "From Bob")
    empty = await api.client.get("/api/articles/feed", headers=api.auth(reader))
    assert empty.json() == {"articles": [], "articlesCount": 0}
    followed = await api.client.post("/api/profiles/alice/follow", headers=api.auth(reader))
    assert followed.json()["profile"]["following"] is True
    feed = await api.client.get("/api/articles/feed", headers=api.auth(reader))
    assert [a["slug"] for a in feed.json()["articles"]] == ["from-alice"]
    assert feed.json()["articles"][0]["author"]["following"] is True
    assert (await api.client.get("/api/articles/feed")).status_code == 401


async def test_favorite_and_unfavorite_are_idempotent(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    await api.publish(alice, "Post")
    for _ in range(2):
        favorited = await api.client.post("/api/articles/post/favorite", headers=api.auth(bob))
        assert favorited.status_code == 200
        assert (favorited.json()["article"]["favorited"], favorited.json()["article"]["favoritesCount"]) == (
            True,
            1,
        )
    for _ in range(2):
        unfavorited = await api.client.delete("/api/articles/post/favorite", headers=api.auth(bob))
        assert (
            unfavorited.json()["article"]["favorited"],
            unfavorited.json()["article"]["favoritesCount"],
        ) == (
            False,
            0,
        )


@pytest.mark.postgres
@pytest.mark.parametrize("api", ["postgres"], indirect=True)
async def test_concurrent_favorites_over_http_count_exactly(api: Api) -> None:
    author = await api.register("author")
    await api.publish(author, "Popular")
    fans = [await api.register(f"fan{i}") for i in range(20)]
    await asyncio.gather(
        *(api.client.post("/api/articles/popular/favorite", headers=api.auth(t)) for t in fans)
    )
    await asyncio.gather(
        *(api.client.post("/api/articles/popular/favorite", headers=api.auth(fans[0])) for _ in range(10))
    )
    article = (await api.client.get("/api/articles/popular")).json()["article"]
    assert article["favoritesCount"] == 20


async def test_tags_most_used_first(api: Api) -> None:
    token = await api.register("alice")
    assert (await api.client.get("/api/tags")).json() == {"tags": []}
    await api.publish(token, "One", tagList=["rare", "common"])
    await api.publish(token, "Two", tagList=["common"])
    assert (await api.client.get("/api/tags")).json() == {"tags": ["common", "rare"]}


async def test_same_title_twice_gets_two_slugs(api: Api) -> None:
    token = await api.register("alice")
    first, second = await api.publish(token, "Twin"), await api.publish(token, "Twin")
    assert first["slug"] == "twin"
    assert re.fullmatch(r"twin-[a-z0-9]{6}", second["slug"])


async def test_only_the_author_may_edit_or_delete(api: Api) -> None:
    alice, bob = await api.register("alice"), await api.register("bob")
    await api.publish(alice, "Mine")
    edit = await api.client.put("/api/articles/mine", json={"article": {"body": "x"}}, headers=api.auth(bob))
    delete = await api.client.delete("/api/articles/mine", headers=api.auth(bob))
    assert (edit.status_code, delete.status_code) == (403, 403)
    assert edit.json() == errors(None, "only the author may change this article")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/articles"),
        ("put", "/api/articles/any"),
        ("delete", "/api/articles/any"),
        ("post", "/api/articles/any/favorite"),
        ("delete", "/api/articles/any/favorite"),
        ("get", "/api/articles/feed"),
    ],
)
async def test_writes_need_a_valid_token(api: Api, method: str, path: str) -> None:
    json = {"article": {"title": "t", "description": "d", "body": "b"}} if method in ("post", "put") else None
    anonymous = await api.client.request(method, path, json=json)
    forged = await api.client.request(
        method, path, json=json, headers={"Authorization": "Token forged.token.here"}
    )
    assert (anonymous.status_code, forged.status_code) == (401, 401)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/articles/missing"),
        ("put", "/api/articles/missing"),
        ("delete", "/api/articles/missing"),
        ("post", "/api/articles/missing/favorite"),
        ("delete", "/api/articles/missing/favorite"),
    ],
)
async def test_unknown_slug_is_404(api: Api, method: str, path: str) -> None:
    token = await api.register("alice")
    json = {"article": {"body": "b"}} if method == "put" else None
    response = await api.client.request(method, path, json=json, headers=api.auth(token))
    assert response.status_code == 404
    assert response.json() == errors(None, "article not found")


@pytest.mark.parametrize(
    ("article", "problems"),
    [
        ({}, {"title": ["can't be blank"], "description": ["can't be blank"], "body": ["can't be blank"]}),
        ({"title": " ", "description": "d", "body": "b"}, {"title": ["can't be blank"]}),
        (
            {"title": "x" * 201, "description": "d", "body": "b"},
            {"title": ["is too long (maximum is 200 characters)"]},
        ),
        (
            {"title": "t", "description": "d", "body": "b", "tagList": "dragons"},
            {"tagList": ["must be a list"]},
        ),
        ({"title": "t", "description": "d", "body": "b", "tagList": [1]}, {"tagList": ["must be a string"]}),
        (
            {"title": "t", "description": "d", "body": "b", "tagList": [f"t{i}" for i in range(21)]},
            {"tagList": ["has too many tags (maximum is 20)"]},
        ),
        (
            {"title": "t\u0000", "description": "d", "body": "b"},
            {"title": ["must not contain NUL characters"]},
        ),
    ],
    ids=["empty", "blank", "long-title", "tags-not-list", "tag-not-string", "too-many-tags", "nul"],
)
async def test_invalid_article_is_422_keyed_by_field(
    api: Api, article: dict[str, object], problems: dict[str, list[str]]
) -> None:
    token = await api.register("alice")
    response = await api.client.post("/api/articles", json={"article": article}, headers=api.auth(token))
    assert response.status_code == 422
    assert response.json() == errors(problems)


async def test_invalid_edit_is_422(api: Api) -> None:
    token = await api.register("alice")
    await api.publish(token, "Post")
    response = await api.client.put(
        "/api/articles/post", json={"article": {"body": ""}}, headers=api.auth(token)
    )
    assert response.status_code == 422
    assert response.json() == errors({"body": ["can't be blank"]})


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=-1", "limit"),
        ("limit=ten", "limit"),
        ("limit=99999999999999999999999", "limit"),
        ("offset=-1", "offset"),
        ("offset=1.5", "offset"),
        ("offset=1000001", "offset"),
    ],
)
async def test_bad_pagination_is_422(api: Api, query: str, field: str) -> None:
    response = await api.client.get(f"/api/articles?{query}")
    assert response.status_code == 422
    assert fields_of(response) == [field]


@pytest.mark.parametrize("path", ["/api/articles/feed", "/api/notifications"])
@pytest.mark.parametrize("query", ["limit=0", "limit=ten", "offset=-1", "offset=1.5"])
async def test_bad_pagination_is_422_on_every_paged_list(api: Api, path: str, query: str) -> None:
    token = await api.register("reader")
    response = await api.client.get(f"{path}?{query}", headers=api.auth(token))
    assert response.status_code == 422
    assert fields_of(response) == [query.split("=")[0]]


async def test_list_query_takes_a_repeated_name_s_last_value_and_ignores_unknown_names(api: Api) -> None:
    token = await api.register("alice")
    for title in ("One", "Two", "Three"):
        await api.publish(token, title, tagList=["dragons"])
    repeated = await api.client.get("/api/articles?limit=1&limit=2&tag=none&tag=dragons")
    assert [a["slug"] for a in repeated.json()["articles"]] == ["three", "two"]
    unknown = await api.client.get("/api/articles?limit=1&colour=blue")
    assert unknown.status_code == 200
    assert [a["slug"] for a in unknown.json()["articles"]] == ["three"]


async def test_nul_in_a_url_is_400(api: Api) -> None:
    for path in ["/api/articles?tag=a%00b", "/api/articles/a%00b", "/api/profiles/a%00b"]:
        response = await api.client.get(path)
        assert response.status_code == 400
        assert response.json() == errors(None, "URLs must not contain NUL characters")


async def test_overlong_filter_is_422(api: Api) -> None:
    response = await api.client.get("/api/articles?author=" + "a" * 300)
    assert response.status_code == 422
    assert fields_of(response) == ["author"]
