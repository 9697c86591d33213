"""Take the README's screenshots: demo data in a throw-away SQLite database, the portal on a
free port, Debian's Chromium driven by Playwright.

    .venv/bin/python docs/screenshots.py
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from devtools.chromium import CHROMIUM, CHROMIUM_FLAGS

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    var = tempfile.mkdtemp(prefix="portal-shots-")
    env = {**os.environ, "VAR_DIR": var, "DEBUG": "true", "DATABASE_URL": f"sqlite:///{var}/db.sqlite3"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
    subprocess.run([*manage, "seed_demo"], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([*manage, "runserver", f"127.0.0.1:{port}", "--noreload"], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        time.sleep(3)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            for language, username in (("en", "sakura-en"), ("ja", "sakura")):
                context = browser.new_context(
                    locale={"en": "en-US", "ja": "ja-JP"}[language], viewport={"width": 1280, "height": 900}
                )
                page = context.new_page()
                page.goto(f"{base}/accounts/login/")
                page.fill("#id_username", username)
                page.fill("#id_password", "demo-pass-2026")
                page.click("form.form button[type=submit]")
                page.wait_for_load_state("load")
                page.screenshot(path=OUT / f"dashboard-{language}.png", full_page=True)
                page.goto(f"{base}/referrals/?tab=new")
                page.screenshot(path=OUT / f"inbox-{language}.png", full_page=True)
                page.goto(f"{base}/referrals/?tab=evaluating")
                page.locator("table.referrals a.row-link").first.click()
                page.wait_for_load_state("load")
                page.screenshot(path=OUT / f"referral-{language}.png", full_page=True)
                page.goto(f"{base}/insights/")
                page.screenshot(path=OUT / f"insights-{language}.png", full_page=True)
                # A phone: the inbox and a referral at 375 px.
                page.set_viewport_size({"width": 375, "height": 812})
                page.goto(f"{base}/referrals/?tab=new")
                page.screenshot(path=OUT / f"phone-inbox-{language}.png")
                page.goto(f"{base}/referrals/?tab=evaluating")
                page.locator("table.referrals a.row-link").first.click()
                page.wait_for_load_state("load")
                page.screenshot(path=OUT / f"phone-referral-{language}.png")
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
