from typing import Annotated

from dependency_injector.wiring import Provide, inject
from fastapi import APIRouter, Depends, Path, Response

from application.comments import AddComment, DeleteComment, GetComment, ListComments
from domain.ids import CommentId, Slug
from entrypoints.container import Container
from entrypoints.http.auth import OptionalViewer, RequiredViewer
from entrypoints.http.schemas import CommentEnvelope, CommentListOut, CommentOut, NewCommentIn

router = APIRouter(prefix="/articles/{slug}/comments", tags=["Comments"])

# Comment ids are PostgreSQL bigints; anything outside that range cannot name a comment.
CommentIdPath = Annotated[int, Path(alias="id", ge=1, le=2**63 - 1, description="The comment's id")]


@router.post("", summary="Comment on an article")
@inject
async def add_comment(
    slug: str,
    body: NewCommentIn,
    viewer: RequiredViewer,
    add: Annotated[AddComment, Depends(Provide[Container.add_comment])],
    get: Annotated[GetComment, Depends(Provide[Container.get_comment])],
) -> CommentEnvelope:
    comment_id = await add(viewer.id, Slug(slug), body.comment.body)
    return CommentEnvelope(comment=CommentOut.of(await get(comment_id, viewer.id)))


@router.get("", summary="Comments on an article, newest first")
@inject
async def list_comments(
    slug: str,
    viewer: OptionalViewer,
    list_for: Annotated[ListComments, Depends(Provide[Container.list_comments])],
) -> CommentListOut:
    comments = await list_for(Slug(slug), viewer)
    return CommentListOut(comments=[CommentOut.of(c) for c in comments])


@router.delete("/{id}", status_code=204, summary="Delete a comment (its author only)")
@inject
async def delete_comment(
    slug: str,
    comment_id: CommentIdPath,
    viewer: RequiredViewer,
    delete: Annotated[DeleteComment, Depends(Provide[Container.delete_comment])],
) -> Response:
    await delete(viewer.id, Slug(slug), CommentId(comment_id))
    return Response(status_code=204)
