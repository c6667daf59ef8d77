"""How the site fails a request: one error type and one handler.

An endpoint raises `HTTPError` (or Starlette's ``HTTPException``, which routing raises for an
unknown path or a method a route does not take); `http_error` answers it

- as JSON, ``{"error": message, "status": status, ...extra}``, to API clients: paths under
  ``/api/``, requests whose ``Accept`` asks for JSON rather than HTML, and errors raised with
  ``page=False`` by endpoints that serve data rather than a page (a plot as SVG);
- as the error page to browsers.

Either way the exception's headers go with the answer (``Allow`` on a 405, ``Retry-After`` on
a 429 or 503, ``WWW-Authenticate`` on a 401). An unexpected exception is a plain 500 page.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from web.templating import templates

API_PREFIX = "/api/"


class HTTPError(HTTPException):
    """A request the site will not serve: ``status``, a message for the reader, headers, and
    ``extra`` fields of the JSON answer (e.g. a summary's generation status with its 404)."""

    def __init__(
        self,
        status: int,
        message: str,
        headers: Mapping[str, str] | None = None,
        *,
        page: bool = True,
        **extra: object,
    ) -> None:
        super().__init__(status, message, dict(headers) if headers else None)
        self.page = page
        self.extra = extra

    @property
    def message(self) -> str:
        return self.detail


def wants_json(request: Request, exc: HTTPException) -> bool:
    """Whether the error goes to an API client rather than a browser."""
    if request.url.path.startswith(API_PREFIX) or not getattr(exc, "page", True):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def error_json(
    status: int, message: str, headers: Mapping[str, str] | None = None, **extra: object
) -> JSONResponse:
    return JSONResponse(
        {"error": message, "status": status, **extra}, status_code=status, headers=headers
    )


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status, message, headers = exc.status_code, exc.detail, exc.headers
    if wants_json(request, exc):
        return error_json(status, message, headers, **getattr(exc, "extra", {}))
    context = {"status": status, "detail": message}
    return templates.TemplateResponse(
        request, "error.html", context, status_code=status, headers=headers
    )


DATABASE_UNAVAILABLE = "the database is unavailable at the moment: try again in a few seconds"


async def database_error(request: Request, exc: Exception) -> Response:
    """A lost or refused database connection is a 503 (the pool reconnects for the next
    request); any other database error stays a 500."""
    assert isinstance(exc, DBAPIError)
    if not (exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)):
        raise exc
    return await http_error(request, HTTPError(503, DATABASE_UNAVAILABLE, {"Retry-After": "5"}))


async def server_error(request: Request, exc: Exception) -> Response:
    return HTMLResponse("<h1>500</h1><p>Internal error.</p>", status_code=500)


exception_handlers = {
    HTTPException: http_error,
    DBAPIError: database_error,
    500: server_error,
}


async def json_object(request: Request, shape: str) -> dict[str, object]:
    """The request's body as a JSON object, else a 400 that says the ``shape`` expected
    (e.g. ``{"paper", "kind", "browser"}``)."""
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        raise HTTPError(400, f"the body must be a JSON object: {shape}")
    return body
