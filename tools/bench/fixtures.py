"""The values the scenarios request, chosen from the seeded data: the busiest tag, article, author, reader.

Choosing the most used of each makes every scenario the heavy case of its kind (the longest tag list to
walk, the fullest feed), and the choice is reproducible because the seed is.
"""

from dataclasses import dataclass
from math import gcd

import psycopg

from tools.bench.processes import BenchError

# Users who publish and favorite during the write scenarios, and articles they favorite: more than the
# requests in flight, so concurrent writes do not queue behind one user's or one article's counter row.
WRITERS = 64
FAVORITE_TARGETS = 61

POPULAR_TAG = """
    SELECT t.name FROM tags t JOIN article_tags at ON at.tag_id = t.id
    GROUP BY t.id ORDER BY count(*) DESC, t.name LIMIT 1
"""
MOST_COMMENTED_ARTICLE = """
    SELECT a.slug FROM articles a JOIN comments c ON c.article_id = a.id
    GROUP BY a.id ORDER BY count(*) DESC, a.favorites_count DESC, a.id LIMIT 1
"""
PROLIFIC_AUTHOR = """
    SELECT u.username FROM users u JOIN articles a ON a.author_id = u.id
    GROUP BY u.id ORDER BY count(*) DESC, u.id LIMIT 1
"""
TOP_FAVORITER = """
    SELECT u.username FROM users u JOIN favorites f ON f.user_id = u.id
    GROUP BY u.id ORDER BY count(*) DESC, u.id LIMIT 1
"""
MOST_FOLLOWED = """
    SELECT u.username FROM users u JOIN follows f ON f.followee_id = u.id
    GROUP BY u.id ORDER BY count(*) DESC, u.id LIMIT 1
"""
# The follower of the most authors, then of the most articles: the fullest feed to assemble.
BUSIEST_READER = """
    SELECT u.email FROM users u
    JOIN follows f ON f.follower_id = u.id
    LEFT JOIN articles a ON a.author_id = f.followee_id
    GROUP BY u.id ORDER BY count(DISTINCT f.followee_id) DESC, count(a.id) DESC, u.id LIMIT 1
"""
WRITER_EMAILS = "SELECT email FROM users ORDER BY id LIMIT %s"
RECENT_SLUGS = "SELECT slug FROM articles ORDER BY created_at DESC, id DESC LIMIT %s"


@dataclass(frozen=True, slots=True)
class Fixtures:
    popular_tag: str
    article_slug: str
    prolific_author: str
    top_favoriter: str
    followed_username: str
    reader_email: str
    writer_emails: tuple[str, ...]
    favorite_slugs: tuple[str, ...]


def pick(database_url: str) -> Fixtures:
    with psycopg.connect(database_url) as conn:

        def one(query: str) -> str:
            row = conn.execute(query).fetchone()
            if row is None:
                raise BenchError(f"the seeded database has no row for: {' '.join(query.split())}")
            return str(row[0])

        def column(query: str, limit: int) -> tuple[str, ...]:
            return tuple(str(row[0]) for row in conn.execute(query, (limit,)))

        writers = column(WRITER_EMAILS, WRITERS)
        return Fixtures(
            popular_tag=one(POPULAR_TAG),
            article_slug=one(MOST_COMMENTED_ARTICLE),
            prolific_author=one(PROLIFIC_AUTHOR),
            top_favoriter=one(TOP_FAVORITER),
            followed_username=one(MOST_FOLLOWED),
            reader_email=one(BUSIEST_READER),
            writer_emails=writers,
            favorite_slugs=column(RECENT_SLUGS, _coprime_below(FAVORITE_TARGETS, len(writers))),
        )


def _coprime_below(start: int, other: int) -> int:
    """The largest count up to `start` sharing no factor with `other`: then (user, article) pairs taken in
    turn run through every combination before one repeats."""
    return next(n for n in range(start, 0, -1) if gcd(n, other) == 1)


def server_version(database_url: str) -> str:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        return "unknown" if row is None else str(row[0])
