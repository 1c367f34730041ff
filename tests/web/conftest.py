"""Fixtures of the web tests: an article stored through the API; for the browser tests, the
app served on a local port and headless Chromium."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture
def base_url(app: Flask) -> Iterator[str]:
    """The app served on a free local port for the test's duration."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium per test module."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


ARTICLE = {
    "title": "Ministers meet on energy",
    "url": "https://news.example.org/a",
    "body": "The ministers discussed energy cooperation and shipping.",
    "section": "World",
}


@pytest.fixture
def article(client: FlaskClient) -> str:
    """Article a1, stored through the API."""
    assert client.put("/api/v1/articles/a1", json=ARTICLE).status_code == 201
    return "a1"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context and page for one test."""
    context = browser.new_context()
    yield context.new_page()
    context.close()
