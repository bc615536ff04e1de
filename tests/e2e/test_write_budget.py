"""Each user's writes have a budget: beyond it, 429 with Retry-After, on both backends; nobody else is
affected, and the refusals leave nothing behind them (a pooled connection they ran on serves on)."""

from dependency_injector import providers

from application.throttling import WriteLimit
from tests.e2e.conftest import Api

BURST = 3


async def test_writes_beyond_a_users_budget_are_429_and_others_write_on(api: Api) -> None:
    api.container.write_limit.override(providers.Object(WriteLimit(per_minute=1, burst=BURST)))
    alice, bob = await api.register("alice"), await api.register("bob")
    for n in range(BURST):
        await api.publish(alice, f"alice {n}")
    for attempt in range(8):
        refused = await api.client.post(
            "/api/articles",
            json={"article": {"title": f"more {attempt}", "description": "d", "body": "b"}},
            headers=api.auth(alice),
        )
        assert refused.status_code == 429
        assert 0 < int(refused.headers["retry-after"]) <= 60
        assert refused.json()["errors"]["body"][0].startswith("too many writes; try again in ")
    favorite = await api.client.post("/api/articles/alice-0/favorite", headers=api.auth(alice))
    assert favorite.status_code == 429, "favoriting spends from the same budget"
    for n in range(BURST):
        await api.publish(bob, f"bob {n}")
    listed = await api.client.get("/api/articles?author=alice")
    assert listed.json()["articlesCount"] == BURST, "refused writes stored nothing"
