"""A real headless Chromium (Debian's ``chromium``) driven by Playwright, and screenshots.

The browser is the system one (``/usr/bin/chromium``): Playwright's own browser downloads are
never used. Where no Chromium is installed the browser tests are skipped with a loud reason;
``bin/ensure-chromium`` (run by ``make test``) installs it where it can.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    candidates = [os.environ.get("CHROMIUM_PATH", ""), "/usr/bin/chromium"]
    candidates += [shutil.which(name) or "" for name in ("chromium", "chromium-browser")]
    return next((path for path in candidates if path and os.access(path, os.X_OK)), None)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    # Per module, not per session: Playwright's sync API keeps an asyncio loop running in the
    # thread while it is started, and every later test of the same xdist worker that calls
    # asyncio.run() would fail (livekit_sim_tests do). A module's tests run together.
    path = chromium_path()
    if path is None:
        pytest.skip(
            "!!! NO CHROMIUM: the console's browser tests did NOT run. Install Debian's "
            "`chromium` (bin/ensure-chromium does it as root) to run them. !!!"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(
            "!!! playwright is not installed (requirements-dev.txt): browser tests skipped !!!"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def page(chromium: Any, meet_server: str, tmp_path: Path) -> Iterator[Any]:
    """A fresh browser context on our server: laptop viewport, clipboard allowed, every
    confirm() accepted, and a failing test's last screen saved."""
    context = chromium.new_context(
        base_url=meet_server, viewport=LAPTOP, accept_downloads=True, locale="en-GB"
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=meet_server)
    context.set_default_timeout(10_000)
    browser_page = context.new_page()
    browser_page.on("dialog", lambda dialog: dialog.accept())
    errors: list[str] = []
    browser_page.on("pageerror", lambda error: errors.append(str(error)))
    yield browser_page
    context.close()
    assert not errors, f"JavaScript errors in the console: {errors}"


@pytest.fixture
def shoot(artifacts: Path) -> Callable[[Any, str], None]:
    """``shoot(page, "rooms")``: full-page screenshots at laptop and phone width."""

    def take(browser_page: Any, name: str) -> None:
        browser_page.evaluate("window.scrollTo(0, 0)")
        browser_page.screenshot(path=str(artifacts / f"{name}-laptop.png"), full_page=True)
        browser_page.set_viewport_size(PHONE)
        browser_page.screenshot(path=str(artifacts / f"{name}-phone.png"), full_page=True)
        browser_page.set_viewport_size(LAPTOP)

    return take


def sign_in(browser_page: Any, username: str = "admin", password: str = "admin") -> None:
    browser_page.goto("/console/")
    browser_page.get_by_label("Username").fill(username)
    browser_page.get_by_label("Password").fill(password)
    browser_page.get_by_role("button", name="Sign in").click()
    browser_page.wait_for_url("**/console/")
