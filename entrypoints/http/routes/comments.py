from typing import Annotated

from fastapi import APIRouter, Path, Response

from application.comments import AddComment, DeleteComment, GetComment, ListComments
from domain.ids import CommentId, Slug
from entrypoints.http import rendering
from entrypoints.http.auth import OptionalViewer, RequiredViewer
from entrypoints.http.deps import provided
from entrypoints.http.routes import API_PREFIX
from entrypoints.http.schemas import CommentEnvelope, CommentListOut, NewCommentIn

router = APIRouter(prefix=f"{API_PREFIX}/articles/{{slug}}/comments", tags=["Comments"])

# Comment ids are PostgreSQL bigints; anything outside that range cannot name a comment.
CommentIdPath = Annotated[int, Path(alias="id", ge=1, le=2**63 - 1, description="The comment's id")]


@router.post("", response_model=CommentEnvelope, summary="Comment on an article")
async def add_comment(
    slug: str,
    body: NewCommentIn,
    viewer: RequiredViewer,
    add: Annotated[AddComment, provided(lambda c: c.add_comment)],
    get: Annotated[GetComment, provided(lambda c: c.get_comment)],
) -> Response:
    comment_id = await add(viewer.id, Slug(slug), body.comment.body)
    return rendering.comment(await get(comment_id, viewer.id))


@router.get("", response_model=CommentListOut, summary="Comments on an article, newest first")
async def list_comments(
    slug: str,
    viewer: OptionalViewer,
    list_for: Annotated[ListComments, provided(lambda c: c.list_comments)],
) -> Response:
    return rendering.comments(await list_for(Slug(slug), viewer))


@router.delete("/{id}", status_code=204, summary="Delete a comment (its author only)")
async def delete_comment(
    slug: str,
    comment_id: CommentIdPath,
    viewer: RequiredViewer,
    delete: Annotated[DeleteComment, provided(lambda c: c.delete_comment)],
) -> Response:
    await delete(viewer.id, Slug(slug), CommentId(comment_id))
    return Response(status_code=204)
