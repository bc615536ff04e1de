"""A reproducible, realistic data set for development and benchmarks, loaded in bulk.

The same plan and seed always give the same users, articles, tags, follows, favorites and comments.
Popularity is skewed the way real sites are (a Zipf law): a few tags, authors and articles draw most of
the attention, most draw little.
"""

import itertools
import random
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final, Protocol

from application.ports import PasswordHasher
from domain import articles
from domain.errors import InvalidValue
from domain.users import PasswordHash

SEEDED_PASSWORD: Final = "password"  # noqa: S105 (every seeded user's, so benchmarks can log in)
EPOCH: Final = datetime(2025, 1, 1, tzinfo=UTC)  # fixed, so a seed means the same data on any day
SPAN: Final = timedelta(days=365)

_FIRST = (
    "ada alan barbara claude dennis donald edsger frances grace guido ken linus margaret niklaus radia"
).split()
_LAST = (
    "lovelace turing liskov shannon ritchie knuth dijkstra allen hopper rossum thompson torvalds hamilton"
).split()
_WORDS = (
    "system data model query index cache stream event queue service design pattern python "
    "postgres latency throughput scale test deploy review release error trace metric log async "
    "thread lock transaction schema migration api client server network packet memory disk "
    "cloud cluster node graph tree list table vector hash token secret user article story "
    "journey lesson guide notes"
).split()
_TAG_STEMS = (
    "python postgres sql async web api testing devops design career rust go javascript css html "
    "security performance databases architecture cloud linux docker kubernetes ml data "
    "opensource tutorial beginners productivity writing music travel food books science history"
).split()


@dataclass(frozen=True, slots=True)
class SeedPlan:
    users: int = 200
    articles: int = 2_000
    seed: int = 1
    follows_per_user: int = 20
    favorites_per_article: float = 2.0
    commented_share: float = 0.25
    tags: int = 200

    def __post_init__(self) -> None:
        if self.users < 2:
            raise InvalidValue("users", "must be at least 2")
        if self.articles < 0:
            raise InvalidValue("articles", "must not be negative")


@dataclass(frozen=True, slots=True)
class SeedUser:
    username: str
    email: str
    bio: str


@dataclass(frozen=True, slots=True)
class SeedArticle:
    slug: str
    author: int  # index into Dataset.users
    title: str
    description: str
    body: str
    tags: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SeedComment:
    article: int  # index into Dataset.articles
    author: int
    body: str
    created_at: datetime


@dataclass(slots=True)
class Dataset:
    users: list[SeedUser] = field(default_factory=list)
    articles: list[SeedArticle] = field(default_factory=list)
    follows: list[tuple[int, int]] = field(default_factory=list)  # (follower, followee)
    favorites: list[tuple[int, int]] = field(default_factory=list)  # (user, article)
    comments: list[SeedComment] = field(default_factory=list)


class BulkLoader(Protocol):
    async def has_users(self) -> bool: ...

    async def load(self, dataset: Dataset, password_hash: PasswordHash) -> None:
        """Store everything in one transaction, with every counter right."""
        ...


class _Zipf:
    """Draws indexes 0..n-1, index k with weight 1 / (k + 1) ** exponent, in a shuffled order."""

    def __init__(self, rng: random.Random, n: int, exponent: float = 1.0) -> None:
        self._order = list(range(n))
        rng.shuffle(self._order)
        self._cumulative = list(itertools.accumulate(1 / (k + 1) ** exponent for k in range(n)))
        self._rng = rng

    def draw(self) -> int:
        point = self._rng.random() * self._cumulative[-1]
        return self._order[min(bisect_left(self._cumulative, point), len(self._order) - 1)]


def generate(plan: SeedPlan) -> Dataset:
    rng = random.Random(plan.seed)  # noqa: S311 (reproducible on purpose, nothing secret)
    data = Dataset()
    for i in range(plan.users):
        name = f"{rng.choice(_FIRST)}.{rng.choice(_LAST)}{i}"
        data.users.append(SeedUser(name, f"{name}@example.com", _sentence(rng, 6, 14)))

    tag_names = [f"{stem}{'' if n == 0 else n}" for n in range(plan.tags) for stem in _TAG_STEMS][: plan.tags]
    popular_tag, prolific_author = _Zipf(rng, len(tag_names), 1.1), _Zipf(rng, plan.users, 0.8)
    taken_slugs: set[str] = set()
    step = SPAN / max(plan.articles, 1)
    for i in range(plan.articles):
        title = _sentence(rng, 3, 8).rstrip(".")
        slug = str(articles.slug_for(title))
        if slug in taken_slugs:
            slug = f"{slug}-{i}"
        taken_slugs.add(slug)
        tags = articles.tag_list([tag_names[popular_tag.draw()] for _ in range(rng.randint(1, 4))])
        body = "\n\n".join(_sentence(rng, 12, 30) for _ in range(rng.randint(2, 5)))
        created = EPOCH + step * i + timedelta(seconds=rng.randint(0, 59))
        data.articles.append(
            SeedArticle(slug, prolific_author.draw(), title, _sentence(rng, 6, 16), body, tags, created)
        )

    followed = _Zipf(rng, plan.users, 1.0)
    for follower in range(plan.users):
        wanted = min(plan.follows_per_user, plan.users - 1)
        chosen: set[int] = set()
        for _ in range(wanted * 20):
            if len(chosen) == wanted:
                break
            if (candidate := followed.draw()) != follower:
                chosen.add(candidate)
        data.follows.extend((follower, followee) for followee in sorted(chosen))

    if plan.articles:
        liked = _Zipf(rng, plan.articles, 0.8)
        favorites: set[tuple[int, int]] = set()
        wanted_favorites = min(int(plan.articles * plan.favorites_per_article), plan.articles * plan.users)
        for _ in range(wanted_favorites * 5):
            if len(favorites) == wanted_favorites:
                break
            favorites.add((rng.randrange(plan.users), liked.draw()))
        data.favorites = sorted(favorites)

    for index in rng.sample(range(plan.articles), int(plan.articles * plan.commented_share)):
        article = data.articles[index]
        for n in range(rng.randint(1, 4)):
            moment = article.created_at + timedelta(hours=n + 1, minutes=rng.randint(0, 59))
            data.comments.append(SeedComment(index, rng.randrange(plan.users), _sentence(rng, 5, 25), moment))
    return data


def _sentence(rng: random.Random, shortest: int, longest: int) -> str:
    words = rng.choices(_WORDS, k=rng.randint(shortest, longest))
    return " ".join(words).capitalize() + "."


@dataclass(frozen=True, slots=True)
class SeedSummary:
    users: int
    articles: int
    follows: int
    favorites: int
    comments: int


class SeedDatabase:
    def __init__(self, loader: BulkLoader, hasher: PasswordHasher) -> None:
        self._loader, self._hasher = loader, hasher

    async def __call__(self, plan: SeedPlan) -> SeedSummary:
        if await self._loader.has_users():
            raise InvalidValue("database", "already has users; seed an empty database")
        dataset = generate(plan)
        # One hash for everyone: hashing thousands of passwords would take longer than the whole load.
        await self._loader.load(dataset, await self._hasher.hash(SEEDED_PASSWORD))
        return SeedSummary(
            len(dataset.users),
            len(dataset.articles),
            len(dataset.follows),
            len(dataset.favorites),
            len(dataset.comments),
        )
