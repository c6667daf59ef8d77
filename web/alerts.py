"""Alerts on the site: the sign-up form (``/alerts``) and API (``POST /api/alerts``), the
confirmation and management pages behind secret links (plain GET pages whose buttons POST),
one-click unsubscribe, and each subscription's private Atom feed.

Sign-ups are limited per address and per client (``ALERTS_SIGNUP_LIMIT`` per
``ALERTS_SIGNUP_WINDOW``); refused input stores nothing. The links carry the token; its
SHA-256 is what the database holds.
"""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from alerts.addresses import AlertInputError
from alerts.compose import confirmation_message
from alerts.digest import follows_of, latest_day
from alerts.mail import Mailer, Outcome, SmtpConfig
from alerts.matching import DayMatcher, day_papers
from alerts.subscriptions import (
    FREQUENCIES,
    SignupLimits,
    TooManySignups,
    add_token,
    by_token,
    confirm,
    end,
    sign_up,
)
from models.schema import utcnow
from models.settings import Settings
from web import openapi
from web.errors import HTTPError, json_object
from web.feeds import atom_feed, feed_response
from web.security import client_address, same_site, site_url
from web.templating import templates

FEED_DAYS = 14


def _settings(request: Request) -> Settings:
    return request.app.state.settings


async def _sign_up(request: Request, body: dict) -> str:
    """Store a pending subscription and mail its confirmation link; the masked address."""
    settings = _settings(request)
    if not settings.SMTP_HOST:
        raise HTTPError(503, "alerts are off here: this site sends no mail (SMTP_HOST)")
    limits = SignupLimits(settings.ALERTS_SIGNUP_LIMIT, settings.ALERTS_SIGNUP_WINDOW)
    now = utcnow()
    client = client_address(request, settings)
    async with request.app.state.sessions.begin() as session:
        try:
            made = await sign_up(session, body, client=client, limits=limits, now=now)
        except AlertInputError as exc:
            raise HTTPError(
                400, exc.message, field=exc.field, candidates=list(exc.candidates)
            ) from None
        except TooManySignups as exc:
            raise HTTPError(429, str(exc), {"Retry-After": str(int(exc.retry_after))}) from None
        subscription_id = made.subscription.id
    config = SmtpConfig.from_settings(settings)
    site = site_url(request, settings)
    message = confirmation_message(
        sender=config.sender,
        recipient=made.subscription.email,
        message_id=f"<alerts.confirm.{subscription_id}.{made.token[:8]}@coolpapers.invalid>",
        follows=made.follows,
        confirm_url=f"{site}/alerts/confirm/{made.token}",
        now=now,
    )
    async with Mailer(config) as mailer:
        delivery = await mailer.send(message)
    if delivery.outcome is not Outcome.SENT:
        async with request.app.state.sessions.begin() as session:
            await end(session, made.subscription)
        status = 400 if delivery.outcome is Outcome.BOUNCED else 503
        raise HTTPError(status, "the confirmation mail could not be sent; nothing was kept")
    return made.subscription.email


async def api_subscribe(request: Request) -> JSONResponse:
    body = await json_object(request, '{"email", "follow", "frequency"}')
    await _sign_up(request, body)
    return JSONResponse(
        {"status": "pending", "message": "a confirmation link was mailed to the address"},
        status_code=202,
    )


def _form_body(form) -> dict:
    follow: list[dict] = []
    for kind in ("query", "author", "category", "venue"):
        for line in str(form.get(kind, "")).split("\n"):
            if line.strip():
                follow.append({kind: line.strip().rstrip("\r")})
    return {
        "email": form.get("email", ""),
        "follow": follow,
        "frequency": form.get("frequency", "daily"),
    }


async def form_page(request: Request) -> Response:
    if request.method == "GET":
        return templates.TemplateResponse(request, "alerts/form.html", {"form": {}, "error": None})
    if not same_site(request, _settings(request), referer=True):
        raise HTTPError(403, "the form must be sent from this site's page")
    form = await request.form()
    values = {k: str(v) for k, v in form.items()}
    try:
        await _sign_up(request, _form_body(form))
    except HTTPError as exc:
        return templates.TemplateResponse(
            request,
            "alerts/form.html",
            {"form": values, "error": exc.detail},
            status_code=exc.status_code,
        )
    return templates.TemplateResponse(request, "alerts/sent.html", {}, status_code=202)


async def _subscription(request: Request, purpose: str = "manage"):
    session = request.state.session
    found = await by_token(session, request.path_params["token"], purpose)
    if found is None:
        raise HTTPError(404, "this link is not (or no longer) valid")
    return found


async def confirm_page(request: Request) -> Response:
    async with request.app.state.sessions.begin() as session:
        request.state.session = session
        subscription = await _subscription(request)
        if request.method == "POST":
            await confirm(session, subscription, utcnow())
            token = request.path_params["token"]
            return RedirectResponse(f"/alerts/manage/{token}", status_code=303)
        return templates.TemplateResponse(
            request,
            "alerts/confirm.html",
            {"follows": follows_of(subscription), "token": request.path_params["token"]},
        )


async def manage_page(request: Request) -> Response:
    token = request.path_params["token"]
    feed_url = None
    async with request.app.state.sessions.begin() as session:
        request.state.session = session
        subscription = await _subscription(request)
        if request.method == "POST":
            action = str((await request.form()).get("action", ""))
            if action == "pause" and subscription.status == "active":
                subscription.status = "paused"
            elif action in ("resume", "confirm") and subscription.status in ("paused", "pending"):
                await confirm(session, subscription, utcnow())
                subscription.status = "active"
            elif action in FREQUENCIES:
                subscription.frequency = action
            elif action == "feed":
                feed = await add_token(session, subscription.id, "feed", utcnow())
                feed_url = f"{site_url(request, _settings(request))}/alerts/feed/{feed}"
            else:
                raise HTTPError(400, f"unknown action {action[:20]!r}")
            if feed_url is None:
                return RedirectResponse(f"/alerts/manage/{token}", status_code=303)
        day = _day(request) or await latest_day(session)
        follows = follows_of(subscription)
        matches = []
        if day is not None:
            matches = await DayMatcher(session, await day_papers(session, [day])).digest_of(follows)
        context = {
            "subscription": subscription,
            "follows": follows,
            "token": token,
            "day": day,
            "matches": matches,
            "feed_url": feed_url,
        }
        return templates.TemplateResponse(request, "alerts/manage.html", context)


def _day(request: Request) -> dt.date | None:
    raw = request.query_params.get("day", "")
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise HTTPError(400, f"day must be YYYY-MM-DD, got {raw[:20]!r}") from None


async def unsubscribe_page(request: Request) -> Response:
    """GET: a page with the button; POST (also bare, from a mail client): done at once."""
    async with request.app.state.sessions.begin() as session:
        request.state.session = session
        subscription = await _subscription(request)
        if request.method == "POST":
            await end(session, subscription)
            return templates.TemplateResponse(request, "alerts/unsubscribed.html", {})
        return templates.TemplateResponse(
            request, "alerts/unsubscribe.html", {"token": request.path_params["token"]}
        )


async def feed(request: Request) -> Response:
    async with request.app.state.sessions() as session:
        request.state.session = session
        subscription = await _subscription(request, "feed")
        last = await latest_day(session)
        matches = []
        if last is not None:
            days = [last - dt.timedelta(days=n) for n in range(FEED_DAYS)]
            matcher = DayMatcher(session, await day_papers(session, days))
            matches = await matcher.digest_of(follows_of(subscription))
    site = site_url(request, _settings(request))
    body = atom_feed(
        title="coolpapers alerts",
        feed_id=f"{site}/alerts/feed/{subscription.id}",
        self_url=site + request.url.path,
        site_url=site + "/",
        papers=[m.paper for m in matches],
        base_url=site,
    )
    return feed_response(body)


routes = [
    Route("/alerts", form_page, methods=["GET", "POST"], name="alerts_form"),
    Route("/api/alerts", api_subscribe, methods=["POST"], name="api_alerts"),
    Route("/alerts/confirm/{token}", confirm_page, methods=["GET", "POST"]),
    Route("/alerts/manage/{token}", manage_page, methods=["GET", "POST"]),
    Route("/alerts/unsubscribe/{token}", unsubscribe_page, methods=["GET", "POST"]),
    Route("/alerts/feed/{token}", feed, name="alerts_feed"),
]

_FOLLOW = {
    "type": "object",
    "minProperties": 1,
    "maxProperties": 1,
    "properties": {
        k: {"type": "string", "minLength": 1, "maxLength": 500}
        for k in ("query", "author", "category", "venue")
    },
    "additionalProperties": False,
}

OPENAPI = openapi.Description(
    {
        "/api/alerts": {
            "post": {
                "operationId": "subscribeToAlerts",
                "summary": "Sign up for alerts; a confirmation link is mailed to the address",
                "description": "Queries use the search language; an author must be in the"
                " archive (an ambiguous name answers 400 with the candidates); categories may"
                " be merged with +; venues only where the archive knows them.",
                "tags": ["alerts"],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["email", "follow"],
                                "properties": {
                                    "email": {"type": "string", "format": "email"},
                                    "follow": {
                                        "type": "array",
                                        "minItems": 1,
                                        "maxItems": 20,
                                        "items": _FOLLOW,
                                    },
                                    "frequency": {"type": "string", "enum": list(FREQUENCIES)},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "202": openapi.json_response(
                        "Pending until the link in the mail is followed",
                        {
                            "type": "object",
                            "required": ["status", "message"],
                            "properties": {
                                "status": {"type": "string"},
                                "message": {"type": "string"},
                            },
                        },
                    ),
                    "400": openapi.error_response(
                        "A malformed address, a query without words, an unknown author or"
                        " category, a line break in a field"
                    ),
                    "429": openapi.error_response(
                        "Too many sign-ups from this address or client", Retry_After="Seconds"
                    ),
                    "503": openapi.error_response("This site sends no mail, or could not"),
                },
            }
        }
    }
)
