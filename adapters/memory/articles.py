from datetime import datetime

from adapters.memory.store import State
from application.errors import AlreadyExists, AuthenticationFailed
from application.ports import ArticleRepository
from domain.articles import Article, NewArticle
from domain.ids import ArticleId, Slug, UserId


class InMemoryArticleRepository(ArticleRepository):
    def __init__(self, state: State) -> None:
        self._state = state
        self.changed = False  # whether an article (so perhaps the tags in use) was added, edited or deleted

    async def add(self, article: NewArticle, now: datetime) -> Article:
        self.changed = True
        if article.author_id not in self._state.users:
            raise AuthenticationFailed("user no longer exists")
        if self._state.article_by_slug(article.slug) is not None:
            raise AlreadyExists("slug")
        self._state.last_article_id += 1
        stored = Article(
            ArticleId(self._state.last_article_id),
            article.slug,
            article.author_id,
            article.title,
            article.description,
            article.body,
            article.tags,
            now,
            now,
        )
        self._state.articles[stored.id] = stored
        return stored

    async def get_by_slug(self, slug: Slug) -> Article | None:
        # The store admits one unit of work at a time: nothing else changes the article meanwhile.
        return self._state.article_by_slug(slug)

    async def update(self, article: Article) -> None:
        self.changed = True
        self._state.articles[article.id] = article

    async def delete(self, article_id: ArticleId) -> None:
        self.changed = True
        self._state.articles.pop(article_id, None)
        for key in [key for key in self._state.favorites if key[1] == article_id]:
            del self._state.favorites[key]
        for comment_id in [c.id for c in self._state.comments.values() if c.article_id == article_id]:
            del self._state.comments[comment_id]

    async def favorite(self, article_id: ArticleId, user_id: UserId, now: datetime) -> bool:
        if user_id not in self._state.users:
            raise AuthenticationFailed("user no longer exists")
        if (user_id, article_id) in self._state.favorites:
            return False
        self._state.favorites[(user_id, article_id)] = now
        return True

    async def unfavorite(self, article_id: ArticleId, user_id: UserId) -> bool:
        return self._state.favorites.pop((user_id, article_id), None) is not None
