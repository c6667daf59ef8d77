"""The admin page ``/admin``: crawl runs, coverage gaps, the job schedule, the summary
queue, the alerts (subscriptions, last digest runs, failed mails, addresses masked), and
buttons to run a job now.

Access needs ``ADMIN_TOKEN``: sent as ``Authorization: Bearer <token>``, or typed once in the
login form, which sets a signed session cookie (HttpOnly, SameSite=Strict, 12 hours). While
no token is configured the page does not exist (404). Tokens and signatures are compared in
constant time. A POST made with the cookie must carry the session's CSRF token (a hidden
field) and come from this site (its Origin, or else its Referer); a POST with the bearer
header cannot be forged by another site, so it needs neither.

Wrong tokens are counted per client (``web.security.client_address``): after
``ADMIN_LOGIN_ATTEMPTS`` of them in ``ADMIN_LOGIN_WINDOW`` seconds, the client's admin
requests get 429 with Retry-After until the oldest failure leaves the window. The limiter
counts on the clock given to ``web.app.create_app``. Forms are parsed with small limits, and
only once the client is known not to be locked out.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import hmac
import logging
import math
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from alerts.overview import overview as alerts_overview
from crawler.reconcile import recorded_gaps
from fulltext.report import fulltext_counts
from models.reports import recent_crawl_runs, recent_job_runs, summary_counts
from models.schema import Announcement
from models.settings import Settings
from schedule import Job, JobBusy, Runner, UnknownJob, lease
from schedule.calendar import EASTERN
from schedule.logline import kv
from schedule.overview import schedule_view
from schedule.setup import calendar_of
from search import has_index
from summaries.limits import RateLimiter
from web.security import client_address, same_site
from web.templating import templates

log = logging.getLogger("coolpapers.admin")

COOKIE = "coolpapers_admin"
SESSION_SECONDS = 12 * 3600
NO_STORE = {"Cache-Control": "no-store"}
FORM_LIMITS = {"max_files": 0, "max_fields": 8, "max_part_size": 4096}


def _token(settings: Settings) -> str:
    return settings.ADMIN_TOKEN.get_secret_value()


def _key(token: str) -> bytes:
    # Changing the token ends every session signed with the old one.
    return hashlib.sha256(b"coolpapers admin session\0" + token.encode()).digest()


def _sign(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def new_session(token: str, now: float | None = None) -> str:
    """A session cookie value: issue time and a random nonce, signed."""
    issued = int(time.time() if now is None else now)
    body = f"{issued}.{secrets.token_urlsafe(18)}"
    return f"{body}.{_sign(_key(token), body)}"


@dataclass(frozen=True, slots=True)
class Admin:
    """An authenticated request: by the bearer header, or by a session (with its CSRF token)."""

    via: str
    csrf: str | None = None


def session_of(token: str, cookie: str | None, now: float | None = None) -> Admin | None:
    if not cookie or cookie.count(".") != 2:
        return None
    issued, nonce, signature = cookie.split(".")
    key = _key(token)
    if not hmac.compare_digest(signature.encode(), _sign(key, f"{issued}.{nonce}").encode()):
        return None
    try:
        age = (time.time() if now is None else now) - int(issued)
    except ValueError:
        return None
    if not 0 <= age <= SESSION_SECONDS:
        return None
    return Admin("session", _sign(key, f"csrf\0{nonce}"))


def bearer_matches(token: str, header: str | None) -> bool:
    scheme, _, given = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


def login_limiter(request: Request) -> RateLimiter:
    """The app's count of wrong admin tokens per client (made by ``web.app.create_app``)."""
    limiter: RateLimiter = request.app.state.admin_login_limiter
    return limiter


class LockedOut(HTTPException):
    """The client sent too many wrong admin tokens lately (429)."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(
            429,
            f"Too many wrong admin tokens from your address; try again in {self.retry_after} s.",
            headers={"Retry-After": str(self.retry_after), **NO_STORE},
        )


def refuse_if_locked_out(request: Request) -> None:
    """Raise ``LockedOut`` while the client has sent too many wrong tokens."""
    wait = login_limiter(request).wait(client_address(request, request.app.state.settings))
    if wait is not None:
        raise LockedOut(wait)


def throttled(endpoint: Callable[[Request], Awaitable[Response]]):
    """The admin endpoint, answering 429 with Retry-After to a locked-out client."""

    @functools.wraps(endpoint)
    async def guarded(request: Request) -> Response:
        try:
            return await endpoint(request)
        except LockedOut as exc:
            return templates.TemplateResponse(
                request,
                "error.html",
                {"status": 429, "detail": exc.detail},
                status_code=429,
                headers=exc.headers,
            )

    return guarded


def count_failure(request: Request) -> None:
    client = client_address(request, request.app.state.settings)
    login_limiter(request).hit(client)
    log.warning(kv(event="admin-token-refused", client=client, path=request.url.path))


def bearer_admin(request: Request) -> bool | None:
    """Whether the request carries the admin token as a bearer header (None: no token is
    configured). A wrong token counts against the client; a locked-out client gets 429."""
    token = _token(request.app.state.settings)
    if not token:
        return None
    refuse_if_locked_out(request)
    header = request.headers.get("authorization")
    if bearer_matches(token, header):
        return True
    if header:
        count_failure(request)
    return False


def authenticate(request: Request) -> Admin | None:
    """Who is asking: 404 while no token is set; None when not authenticated."""
    token = _token(request.app.state.settings)
    if not token:
        raise HTTPException(404)
    if bearer_admin(request):
        return Admin("bearer")
    return session_of(token, request.cookies.get(COOKIE))


def same_origin(request: Request) -> bool:
    """Whether a form came from this site: its Origin (or, without one, its Referer)."""
    return same_site(request, request.app.state.settings, referer=True)


async def checked_post(request: Request) -> tuple[Admin, dict]:
    """The form of an authenticated POST that passed the CSRF checks; raises otherwise."""
    admin = authenticate(request)
    if admin is None:
        raise HTTPException(401, "an admin token is required")
    form = dict(await request.form(**FORM_LIMITS))
    if admin.via == "session":
        if not same_origin(request):
            raise HTTPException(403, "cross-site request refused")
        given = str(form.get("csrf", ""))
        if not hmac.compare_digest(given.encode(), (admin.csrf or "").encode()):
            raise HTTPException(403, "missing or wrong CSRF token: reload the page")
    return admin, form


def jobs_of(request: Request) -> list[Job]:
    """The jobs the admin page shows (given to ``web.app.create_app``)."""
    jobs: list[Job] = request.app.state.jobs
    return jobs


def runner_of(request: Request) -> Runner:
    """The app's job runner (made by ``web.app.create_app``)."""
    runner: Runner = request.app.state.runner
    return runner


def _background(request: Request, name: str) -> None:
    runner = runner_of(request)
    state = request.app.state
    tasks: set[asyncio.Task] = state.admin_tasks

    async def run() -> None:
        try:
            await runner.run_now(name)
        except JobBusy:
            log.info(kv(job=name, event="busy", detail="already running elsewhere"))
        except Exception:
            log.exception("job %s asked from the admin page failed", name)

    task = asyncio.create_task(run())
    tasks.add(task)
    task.add_done_callback(tasks.discard)


def _login_page(request: Request, status: int, error: str | None = None) -> Response:
    return templates.TemplateResponse(
        request, "admin/login.html", {"error": error}, status_code=status, headers=NO_STORE
    )


async def login_form(request: Request) -> Response:
    authenticate(request)  # 404 while no token is set
    return _login_page(request, 200)


async def login(request: Request) -> Response:
    token = _token(request.app.state.settings)
    if not token:
        raise HTTPException(404)
    if not same_origin(request):
        raise HTTPException(403, "cross-site request refused")
    refuse_if_locked_out(request)
    form = await request.form(**FORM_LIMITS)
    if not hmac.compare_digest(str(form.get("token", "")).strip().encode(), token.encode()):
        count_failure(request)
        return _login_page(request, 401, "That is not the admin token.")
    response = RedirectResponse("/admin", status_code=303, headers=NO_STORE)
    response.set_cookie(
        COOKIE,
        new_session(token),
        max_age=SESSION_SECONDS,
        path="/admin",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


async def logout(request: Request) -> Response:
    await checked_post(request)
    response = RedirectResponse("/admin/login", status_code=303, headers=NO_STORE)
    response.delete_cookie(COOKIE, path="/admin")
    return response


async def run_job(request: Request) -> Response:
    await checked_post(request)
    name = request.path_params["name"]
    runner = runner_of(request)
    try:
        runner.job(name)
    except UnknownJob:
        raise HTTPException(404, f"no job named {name!r}") from None
    now = dt.datetime.now(dt.UTC)
    async with request.app.state.sessions() as session:
        busy = await lease.holder_of(session, lease.job_lease(name), now)
    if busy is not None:
        return RedirectResponse(f"/admin?busy={name}", status_code=303, headers=NO_STORE)
    _background(request, name)
    log.info(kv(event="admin-run", job=name))
    return RedirectResponse(f"/admin?started={name}", status_code=303, headers=NO_STORE)


async def summary_queue(request: Request, session) -> dict | None:
    """Stored summaries, today's model calls against the budget, and the papers of the
    latest day still waiting for theirs (None when the database has no summaries)."""
    counts = await summary_counts(session)
    if counts is None:
        return None
    settings = request.app.state.settings
    waiting: dict[str, int] = {}
    try:
        from summaries.selection import papers_to_summarize
        from web.summary_api import service

        model = service(request).model
        day = (await session.execute(select(func.max(Announcement.announced_on)))).scalar()
        if day is not None:
            for language in settings.SUMMARY_LANGUAGES:
                ids = await papers_to_summarize(session, language=language, model=model, day=day)
                waiting[language] = len(ids)
    except Exception:  # the summaries package is optional to this page
        log.debug("no summary queue", exc_info=True)
        model, day = None, None
    return {
        "counts": counts,
        "budget": settings.LLM_DAILY_BUDGET,
        "model": model,
        "day": day,
        "waiting": waiting,
    }


async def dashboard(request: Request) -> Response:
    admin = authenticate(request)
    if admin is None:
        return _login_page(request, 401)
    settings = request.app.state.settings
    now = dt.datetime.now(dt.UTC)
    calendar = calendar_of(settings)
    async with request.app.state.sessions() as session:
        view = await schedule_view(session, jobs_of(request), now)
        crawls = await recent_crawl_runs(session, 20)
        job_runs = await recent_job_runs(session, 20)
        gaps = await recorded_gaps(session, 50)
        queue = await summary_queue(request, session)
        has_search = await has_index(session)
        fulltexts = await fulltext_counts(session)
        alerts = await alerts_overview(session)
    tonight = calendar.evening_of(now)
    context = {
        "admin": admin,
        "now": now,
        "view": view,
        "crawls": crawls,
        "job_runs": job_runs,
        "gaps": gaps,
        "queue": queue,
        "has_search": has_search,
        "fulltexts": fulltexts,
        "alerts": alerts,
        "next_announcement": calendar.next(now),
        "quiet_tonight": calendar.quiet_reason(tonight),
        "tonight": tonight,
        "eastern": EASTERN,
        "started": request.query_params.get("started"),
        "busy": request.query_params.get("busy"),
        "running": any(j.running_by for j in view.jobs),
    }
    return templates.TemplateResponse(request, "admin/index.html", context, headers=NO_STORE)


def _utc(moment: dt.datetime | None) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else ""


templates.env.filters.setdefault("utc", _utc)

routes = [
    Route("/admin", throttled(dashboard), methods=["GET"], name="admin"),
    Route("/admin/login", throttled(login_form), methods=["GET"], name="admin_login"),
    Route("/admin/login", throttled(login), methods=["POST"]),
    Route("/admin/logout", throttled(logout), methods=["POST"], name="admin_logout"),
    Route("/admin/jobs/{name}/run", throttled(run_job), methods=["POST"], name="admin_run_job"),
]
