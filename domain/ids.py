"""Identifiers. Integers chosen by the store; NewType keeps a user id from being passed as an article id."""

from typing import Final, NewType

UserId = NewType("UserId", int)
ArticleId = NewType("ArticleId", int)
CommentId = NewType("CommentId", int)
Slug = NewType("Slug", str)

# Ids are PostgreSQL bigints: nothing outside 1..MAX_ID can name a row.
MAX_ID: Final = 2**63 - 1
