"""Orders Conduit defines, not the database: the same on the in-memory twin and on a PostgreSQL database
whose collation would order the same names differently (en_US: "ab" before "a_c", "éclair" before "fudge";
code point order, the one Conduit uses: "a_c" before "ab", "fudge" before "éclair")."""

from application.views import ArticleFilter
from domain.ids import Slug
from domain.pagination import Page
from tests.contract.conftest import Backend, minutes

NAMES = ("fudge", "ab", "éclair", "a_c")
IN_TAG_ORDER = ("a_c", "ab", "fudge", "éclair")


async def test_an_articles_tags_read_back_in_tag_order_everywhere(collated_backend: Backend) -> None:
    backend = collated_backend
    alice = await backend.user("alice")
    stored = await backend.article(alice, "Post", tags=NAMES)
    assert stored.tags == IN_TAG_ORDER
    view = await backend.articles.get(Slug("post"), None)
    assert view is not None
    assert view.tag_list == IN_TAG_ORDER
    listed = await backend.articles.search(ArticleFilter(), Page(), None)
    assert [a.tag_list for a in listed.articles] == [IN_TAG_ORDER]
    async with backend.new_uow() as uow:
        found = await uow.articles.get_by_slug(Slug("post"))
        assert found is not None
        assert found.tags == IN_TAG_ORDER
        edited = found.edited(title=None, description=None, body=None, tags=("zz", *NAMES[:2]), at=minutes(1))
        await uow.articles.update(edited)
        await uow.commit()
    view = await backend.articles.get(Slug("post"), None)
    assert view is not None
    assert view.tag_list == ("ab", "fudge", "zz")


async def test_tags_in_use_break_ties_in_tag_order(collated_backend: Backend) -> None:
    backend = collated_backend
    alice = await backend.user("alice")
    await backend.article(alice, "One", tags=NAMES)
    await backend.article(alice, "Two", tags=("éclair",))
    assert await backend.tags.in_use() == ["éclair", "a_c", "ab", "fudge"]
