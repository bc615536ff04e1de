from datetime import datetime

from adapters.memory.store import InMemoryStore, UserRecord
from application.seeding import BulkLoader, Dataset
from domain.articles import Article
from domain.comments import Comment
from domain.ids import ArticleId, CommentId, Slug, UserId
from domain.users import FIRST_SECURITY_STAMP, NO_IMAGE, PasswordHash, User


class InMemoryBulkLoader(BulkLoader):
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def has_users(self) -> bool:
        return bool(self._store.state.users)

    async def load(self, dataset: Dataset, password_hash: PasswordHash) -> None:
        state = self._store.state.snapshot()
        first = dataset.articles[0].created_at if dataset.articles else datetime.now().astimezone()
        users: list[UserId] = []
        for seeded in dataset.users:
            state.last_user_id += 1
            stored = User(UserId(state.last_user_id), seeded.username, seeded.email, seeded.bio, NO_IMAGE)
            state.users[stored.id] = UserRecord(stored, password_hash, FIRST_SECURITY_STAMP, first, first)
            users.append(stored.id)
        article_ids: list[ArticleId] = []
        for a in dataset.articles:
            state.last_article_id += 1
            article = Article(
                ArticleId(state.last_article_id),
                Slug(a.slug),
                users[a.author],
                a.title,
                a.description,
                a.body,
                a.tags,
                a.created_at,
                a.created_at,
            )
            state.articles[article.id] = article
            article_ids.append(article.id)
        for follower, followee in dataset.follows:
            state.follows[(users[follower], users[followee])] = first
        for fan, index in dataset.favorites:
            state.favorites[(users[fan], article_ids[index])] = dataset.articles[index].created_at
        for c in dataset.comments:
            state.last_comment_id += 1
            comment_id = CommentId(state.last_comment_id)
            state.comments[comment_id] = Comment(
                comment_id, article_ids[c.article], users[c.author], c.body, c.created_at
            )
        async with self._store.lock:
            self._store.state = state
