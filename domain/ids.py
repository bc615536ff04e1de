"""Identifiers. Integers chosen by the store; NewType keeps a user id from being passed as an article id."""

from typing import NewType

UserId = NewType("UserId", int)
ArticleId = NewType("ArticleId", int)
CommentId = NewType("CommentId", int)
Slug = NewType("Slug", str)
