"""The FastAPI behaviour entrypoints/http/routing.py works around, and what it does instead."""

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from entrypoints.http.routing import Routes


async def hello() -> dict[str, str]:
    return {"hello": "world"}


def test_fastapi_nests_an_included_router_instead_of_adding_its_routes() -> None:
    """If this fails, include_router flattens again and routing.py can go."""
    router = APIRouter(prefix="/api")
    router.get("/hello")(hello)
    app = FastAPI()
    app.include_router(router)
    assert not isinstance(app.router.routes[-1], APIRoute)


def test_declared_routes_join_the_app_as_its_own_in_declaration_order() -> None:
    routes = Routes(prefix="/api", tags=["Greetings"])
    routes.get("/hello", summary="Hello")(hello)
    routes.post("/hello", tags=["Other"])(hello)
    for app in (FastAPI(), FastAPI()):  # every app gets the same routes
        routes.add_to(app)
        added = [route for route in app.router.routes if isinstance(route, APIRoute)]
        assert [(r.path, r.methods, r.tags, r.summary) for r in added] == [
            ("/api/hello", {"GET"}, ["Greetings"], "Hello"),
            ("/api/hello", {"POST"}, ["Other"], None),
        ]
