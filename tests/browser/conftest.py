"""Playwright driving Debian's Chromium (no browser download is possible here)."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

# Playwright's sync API keeps an event loop running in the test thread; the ORM calls the
# tests make beside it are ordinary synchronous calls, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def playwright_browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run the README's test command, which installs it.")
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True, locale="en-US"
        )
        yield context.browser or context, context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def new_page(playwright_browser, live_server):
    """``new_page(language="ja")``: a fresh page whose browser asks for ``language`` first."""
    _, context = playwright_browser
    pages = []

    def make(language: str = "en"):
        context.clear_cookies()
        page = context.new_page()
        page.set_extra_http_headers({"Accept-Language": f"{language},en;q=0.5" if language != "en" else "en"})
        page.set_default_timeout(15_000)
        pages.append(page)
        return page

    yield make
    for page in pages:
        page.close()


@pytest.fixture
def sign_in(live_server):
    def sign_in(page, username: str, password: str = "pw-for-tests-1"):
        page.goto(f"{live_server.url}/accounts/login/")
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill(password)
        page.locator("form.form button[type=submit]").click()
        page.wait_for_load_state("networkidle")
        return page

    return sign_in
