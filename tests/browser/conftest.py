"""Playwright driving Debian's Chromium (no browser download is possible here)."""

from __future__ import annotations

import os

import pytest

# Playwright's sync API keeps an event loop running in the test thread; the ORM calls the
# tests make beside it are ordinary synchronous calls, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from devtools.chromium import CHROMIUM, CHROMIUM_FLAGS


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run the README's test command, which installs it.")
    # Playwright gives Chromium a fresh, empty --user-data-dir of its own for each launch.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


LOCALES = {"en": "en-US", "ja": "ja-JP"}


@pytest.fixture
def new_page(browser, live_server):
    """``new_page(language="ja")``: a page in a fresh browser context whose language is ``language``
    (Chromium then asks for it in Accept-Language, as a Japanese user's browser does)."""
    contexts = []

    def make(language: str = "en"):
        context = browser.new_context(locale=LOCALES[language], timezone_id="Asia/Tokyo")
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.language = language  # sign_in gives the account the same language
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def sign_in(live_server):
    def sign_in(page, username: str, password: str = "pw-for-tests-1"):
        from profiles.models import User

        # The account's language applies at sign-in: the user reads what their browser asks for.
        User.objects.filter(username=username).update(language=getattr(page, "language", "en"))
        page.goto(f"{live_server.url}/accounts/login/")
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill(password)
        page.locator("form.form button[type=submit]").click()
        page.wait_for_load_state("networkidle")
        return page

    return sign_in
