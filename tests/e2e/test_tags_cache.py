"""The tag list is served from memory, yet a change to tags made by this process shows in it at once."""

from dependency_injector import providers

from adapters.caching import CachedTagQueries
from tests.e2e.conftest import Api

# Far longer than the test: any stale answer would still be fresh.
AN_HOUR = 3600.0


async def tags(api: Api) -> list[str]:
    response = await api.client.get("/api/tags")
    assert response.status_code == 200, response.text
    listed: list[str] = response.json()["tags"]
    return listed


async def test_tags_published_edited_or_deleted_here_are_listed_at_once(api: Api) -> None:
    api.container.tag_queries.override(
        providers.Singleton(CachedTagQueries, inner=api.container.fresh_tag_queries, max_age=AN_HOUR)
    )
    token = await api.register("alice")
    assert await tags(api) == []
    article = await api.publish(token, tagList=["dragons"])
    assert await tags(api) == ["dragons"]
    edited = await api.client.put(
        f"/api/articles/{article['slug']}",
        json={"article": {"tagList": ["training"]}},
        headers=api.auth(token),
    )
    assert edited.status_code == 200, edited.text
    assert await tags(api) == ["training"]
    deleted = await api.client.delete(f"/api/articles/{article['slug']}", headers=api.auth(token))
    assert deleted.status_code == 204, deleted.text
    assert await tags(api) == []
