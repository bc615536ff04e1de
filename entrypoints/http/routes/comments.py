from typing import Annotated

from fastapi import Path, Request, Response

from domain.ids import MAX_ID, CommentId, Slug
from entrypoints.http import rendering
from entrypoints.http.deps import conduit, viewer, viewer_id
from entrypoints.http.openapi import TOKEN, TOKEN_OPTIONAL, may_answer
from entrypoints.http.rendering import CommentEnvelope, CommentListEnvelope
from entrypoints.http.routes import API_PREFIX
from entrypoints.http.routing import Routes
from entrypoints.http.schemas import NewCommentIn

routes = Routes(prefix=f"{API_PREFIX}/articles/{{slug}}/comments", tags=["Comments"])

CommentIdPath = Annotated[int, Path(alias="id", ge=1, le=MAX_ID, description="The comment's id")]


@routes.get(
    "",
    response_model=CommentListEnvelope,
    openapi_extra=TOKEN_OPTIONAL,
    responses=may_answer(404),
    summary="Comments on an article, newest first",
)
async def list_comments(slug: str, request: Request) -> Response:
    return rendering.comments(await conduit(request).list_comments()(Slug(slug), await viewer_id(request)))


@routes.post(
    "",
    response_model=CommentEnvelope,
    openapi_extra=TOKEN,
    responses=may_answer(404, 429),
    summary="Comment on an article",
)
async def add_comment(slug: str, body: NewCommentIn, request: Request) -> Response:
    caller, use = await viewer(request), conduit(request)
    return rendering.comment(await use.add_comment()(caller.id, Slug(slug), body.comment.body))


@routes.delete(
    "/{id}",
    status_code=204,
    openapi_extra=TOKEN,
    responses=may_answer(403, 404, 429),
    summary="Delete a comment (its author only)",
)
async def delete_comment(slug: str, comment_id: CommentIdPath, request: Request) -> Response:
    await conduit(request).delete_comment()((await viewer(request)).id, Slug(slug), CommentId(comment_id))
    return Response(status_code=204)
