from fastapi import Request, Response

from domain.users import User
from entrypoints.http import rendering
from entrypoints.http.deps import client_address, conduit, viewer
from entrypoints.http.openapi import TOKEN, may_answer
from entrypoints.http.rendering import UserBody, UserEnvelope
from entrypoints.http.routes import API_PREFIX
from entrypoints.http.routing import Routes
from entrypoints.http.schemas import LoginIn, RegisterIn, UpdateUserIn

routes = Routes(prefix=API_PREFIX, tags=["User and Authentication"])


def _signed_in(user: User, token: str, status: int = 200) -> Response:
    return rendering.user(UserBody(user.email, token, user.username, user.bio, user.image), status)


@routes.get("/user", response_model=UserEnvelope, openapi_extra=TOKEN, summary="Current user")
async def current_user(request: Request) -> Response:
    caller = await viewer(request)
    return _signed_in(await conduit(request).get_current_user()(caller.id), caller.token)


@routes.post("/users", status_code=201, response_model=UserEnvelope, summary="Register")
async def register(body: RegisterIn, request: Request) -> Response:
    new = body.user
    signed_in = await conduit(request).register_user()(new.username, new.email, new.password)
    return _signed_in(signed_in.user, signed_in.token, status=201)


# 401: a wrong email or password (one answer for both); 429: too many failed logins.
@routes.post("/users/login", response_model=UserEnvelope, responses=may_answer(401, 429), summary="Log in")
async def log_in(body: LoginIn, request: Request) -> Response:
    signed_in = await conduit(request).log_in()(body.user.email, body.user.password, client_address(request))
    return _signed_in(signed_in.user, signed_in.token)


@routes.put("/user", response_model=UserEnvelope, openapi_extra=TOKEN, summary="Update current user")
async def update_current_user(body: UpdateUserIn, request: Request) -> Response:
    caller, changes = await viewer(request), body.user
    updated = await conduit(request).update_user()(
        caller.id,
        username=changes.username,
        email=changes.email,
        password=changes.password,
        bio=changes.bio,
        image=changes.image,
        remove_image="image" in changes.model_fields_set and changes.image is None,
    )
    # A new password revoked the caller's token: the response carries the one that replaces it.
    return _signed_in(updated.user, updated.new_token or caller.token)
