"""Fixtures of the site's tests: an app over a database filled with tests/web/data.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from models.settings import Settings
from tests.web.data import fill_sync
from web.app import create_app


@pytest.fixture
def filled_settings(settings: Settings) -> Settings:
    fill_sync(settings)
    return settings


@pytest.fixture
def client(filled_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(filled_settings)) as test_client:
        yield test_client


@pytest.fixture
def empty_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client
