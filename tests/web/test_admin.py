"""The admin page: a token or nothing, sessions, CSRF and Origin checks, running a job."""

from __future__ import annotations

import re
import time

import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy import create_engine, text
from starlette.testclient import TestClient

from models.settings import Settings
from retry import FakeClock
from schedule import Job, JobResult
from web.admin import COOKIE, new_session, session_of
from web.app import create_app

TOKEN = "s3cret-admin-token-long-enough-to-guess-never"
SITE = "http://testserver"


def make_app(settings, token: str = TOKEN, jobs=None, clock=None):
    configured = settings.model_copy(update={"ADMIN_TOKEN": SecretStr(token)})
    return create_app(configured, jobs=jobs, clock=clock or FakeClock())


def recorded_runs(database_path) -> list[tuple[str, str, str]]:
    engine = create_engine(f"sqlite:///{database_path}")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT job, trigger, status FROM job_runs ORDER BY id"))
        found = [tuple(r) for r in rows]
    engine.dispose()
    return found


def wait_for(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


async def noop(context) -> JobResult:
    return JobResult.succeeded("nothing to do")


JOBS = [Job("noop", noop, description="does nothing")]


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def logged_in(client: TestClient) -> str:
    response = client.post(
        "/admin/login", data={"token": TOKEN}, headers={"Origin": SITE}, follow_redirects=False
    )
    assert response.status_code == 303
    page = client.get("/admin")
    assert page.status_code == 200
    return csrf_of(page.text)


def test_without_a_token_the_page_does_not_exist(settings) -> None:
    with TestClient(make_app(settings, token="")) as client:
        assert client.get("/admin").status_code == 404
        assert client.get("/admin/login").status_code == 404
        assert (
            client.post("/admin/login", data={"token": ""}, headers={"Origin": SITE}).status_code
            == 404
        )
        assert client.post("/admin/jobs/noop/run", headers={"Origin": SITE}).status_code == 404


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Cookie": f"{COOKIE}=1.2.3"},
    ],
)
def test_missing_and_wrong_tokens_get_401(settings, headers) -> None:
    with TestClient(make_app(settings)) as client:
        response = client.get("/admin", headers=headers)
    assert response.status_code == 401
    assert 'name="token"' in response.text  # the login form
    assert response.headers["cache-control"] == "no-store"


def test_the_bearer_token_opens_the_page(settings) -> None:
    with TestClient(make_app(settings, jobs=JOBS)) as client:
        response = client.get("/admin", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert "noop" in response.text and "Crawl runs" in response.text
    assert 'name="csrf"' not in response.text  # a bearer client needs no CSRF token


def test_login_sets_a_session_and_a_wrong_token_is_refused(settings) -> None:
    with TestClient(make_app(settings)) as client:
        refused = client.post("/admin/login", data={"token": "guess"}, headers={"Origin": SITE})
        assert refused.status_code == 401
        assert COOKIE not in client.cookies
        response = client.post(
            "/admin/login", data={"token": TOKEN}, headers={"Origin": SITE}, follow_redirects=False
        )
        assert response.status_code == 303
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/admin" in cookie
        assert client.get("/admin").status_code == 200


def test_a_login_from_another_site_is_refused(settings) -> None:
    with TestClient(make_app(settings)) as client:
        response = client.post(
            "/admin/login", data={"token": TOKEN}, headers={"Origin": "https://evil.example"}
        )
    assert response.status_code == 403


def test_sessions_are_signed_with_the_token_and_expire() -> None:
    cookie = new_session(TOKEN, now=1_000_000)
    assert session_of(TOKEN, cookie, now=1_000_100) is not None
    assert session_of("another token", cookie, now=1_000_100) is None
    assert session_of(TOKEN, cookie, now=1_000_000 + 13 * 3600) is None
    issued, nonce, signature = cookie.split(".")
    assert session_of(TOKEN, f"{int(issued) + 1}.{nonce}.{signature}", now=1_000_100) is None


def test_posts_need_the_csrf_token_and_this_sites_origin(settings, database_path) -> None:
    with TestClient(make_app(settings, jobs=JOBS)) as client:
        csrf = logged_in(client)
        cases = [
            ({}, {"Origin": SITE}),  # no CSRF token
            ({"csrf": "0" * 64}, {"Origin": SITE}),  # a wrong one
            ({"csrf": csrf}, {"Origin": "https://evil.example"}),  # another site
            ({"csrf": csrf}, {"Referer": "https://evil.example/page"}),
            ({"csrf": csrf}, {}),  # neither Origin nor Referer
            ({"csrf": csrf}, {"Origin": "null"}),
        ]
        for form, headers in cases:
            response = client.post(
                "/admin/jobs/noop/run", data=form, headers=headers, follow_redirects=False
            )
            assert response.status_code == 403, (form, headers)
        assert recorded_runs(database_path) == []
        response = client.post(
            "/admin/jobs/noop/run",
            data={"csrf": csrf},
            headers={"Referer": f"{SITE}/admin"},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/admin?started=noop"
        runs = wait_for(lambda: [r for r in recorded_runs(database_path) if r[2] != "running"])
    assert runs == [("noop", "manual", "succeeded")]


def test_a_post_without_any_credential_is_401(settings, database_path) -> None:
    with TestClient(make_app(settings, jobs=JOBS)) as client:
        response = client.post("/admin/jobs/noop/run", headers={"Origin": SITE})
    assert response.status_code == 401
    assert recorded_runs(database_path) == []


def test_a_bearer_client_runs_a_job_and_sees_it(settings, database_path) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(make_app(settings, jobs=JOBS)) as client:
        assert client.post("/admin/jobs/nothing/run", headers=headers).status_code == 404
        response = client.post("/admin/jobs/noop/run", headers=headers, follow_redirects=False)
        assert response.status_code == 303
        wait_for(lambda: [r for r in recorded_runs(database_path) if r[2] == "succeeded"])
        page = client.get("/admin", headers=headers).text
    assert "nothing to do" in page and "(by hand)" in page


def test_logout_ends_the_session(settings) -> None:
    with TestClient(make_app(settings)) as client:
        csrf = logged_in(client)
        response = client.post(
            "/admin/logout", data={"csrf": csrf}, headers={"Origin": SITE}, follow_redirects=False
        )
        assert response.status_code == 303
        assert client.get("/admin").status_code == 401


def test_wrong_tokens_lock_the_client_out_for_a_while(settings) -> None:
    clock = FakeClock()
    app = make_app(settings, clock=clock)
    with TestClient(app) as client:
        for _ in range(5):
            refused = client.post("/admin/login", data={"token": "guess"}, headers={"Origin": SITE})
            assert refused.status_code == 401
        clock.advance(60)
        locked = client.post("/admin/login", data={"token": TOKEN}, headers={"Origin": SITE})
        assert locked.status_code == 429
        assert locked.headers["retry-after"] == "540"
        assert COOKIE not in client.cookies
        # The bearer header is no way around it, and wrong bearer tokens count as well.
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        assert client.get("/admin", headers=bearer).status_code == 429
        clock.advance(540)
        assert client.get("/admin", headers=bearer).status_code == 200
        for _ in range(5):
            wrong = client.get("/admin", headers={"Authorization": "Bearer guess"})
            assert wrong.status_code == 401
        assert client.get("/admin", headers=bearer).status_code == 429
    with TestClient(app, client=("192.0.2.9", 5000)) as other:
        assert other.get("/admin", headers=bearer).status_code == 200  # per client


def test_wrong_bearer_tokens_on_regeneration_count_too(settings) -> None:
    app = make_app(settings, clock=FakeClock())
    url = "/api/papers/2403.00001/summary/regenerate"
    with TestClient(app) as client:
        for _ in range(5):
            assert client.post(url, headers={"Authorization": "Bearer x"}).status_code == 401
        locked = client.post(url, headers={"Authorization": f"Bearer {TOKEN}"})
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) == 600


@pytest.mark.parametrize("token", ["s3cret", "x" * 31])
def test_a_short_admin_token_is_refused_at_start_up(token, monkeypatch) -> None:
    monkeypatch.setenv("COOLPAPERS_ADMIN_TOKEN", token)
    with pytest.raises(ValidationError, match="ADMIN_TOKEN must be at least 32 characters"):
        Settings()
    monkeypatch.setenv("COOLPAPERS_ADMIN_TOKEN", "x" * 32)
    assert Settings().ADMIN_TOKEN.get_secret_value() == "x" * 32


def test_the_login_form_is_read_with_small_limits(settings) -> None:
    with TestClient(make_app(settings)) as client:
        many = {f"field{n}": "x" for n in range(50)} | {"token": TOKEN}
        response = client.post("/admin/login", data=many, headers={"Origin": SITE})
        assert response.status_code == 400
        upload = client.post(
            "/admin/login",
            data={"token": TOKEN},
            files={"f": ("a.txt", b"x")},
            headers={"Origin": SITE},
        )
        assert upload.status_code == 400
        assert COOKIE not in client.cookies
