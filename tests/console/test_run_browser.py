"""``make run`` as a user meets it, in Chromium: the API docs render offline, the console shows
the demo-mode and initial-password banners, and a room link opens the room's page.

One ``bin/run`` (what ``make run`` starts, with its embedded defaults: local storage, a private
Redis, the LiveKit simulator) serves every test of this module; the browser may reach nothing
but that server. Screenshots go to ``test-artifacts/console/``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.console.conftest import LAPTOP
from tests.services import free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 60


@pytest.fixture(scope="module")
def make_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``bin/run`` with nothing configured, as ``make run`` on a fresh clone (web role only, and
    data in a temp dir)."""
    directory = tmp_path_factory.mktemp("make-run")
    empty_env = directory / "empty.env"
    empty_env.write_text("")
    port = free_port()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("MEET_", "LIVEKIT_", "DJANGO_", "SERVER_", "PYTEST_", "NODE_ENV"))
    }
    env.update(
        MEET_CONFIG_DIR=str(empty_env),
        SERVER_PORT=str(port),
        MEET_LOCAL_STORAGE_DIR=str(directory / "storage"),
        MEET_RUN_ROLES="web",
        MEET_WEB_WORKERS="1",
        MEET_WEB_THREADS="8",
    )
    log = directory / "run.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, str(REPO / "bin" / "run")],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"bin/run exited with {process.returncode}:\n{log.read_text()}")
            try:
                if requests.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"bin/run did not become healthy:\n{log.read_text()}")
            time.sleep(0.2)
        yield base
        output_text = log.read_text()
        assert "InsecureKeyLengthWarning" not in output_text  # demo mode: no short-key noise
        assert "meet.W001" not in output_text
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture
def offline_page(chromium: Any, make_run: str) -> Iterator[Any]:
    """A page that can load only from the ``make run`` server: any other host is refused and
    recorded."""
    context = chromium.new_context(base_url=make_run, viewport=LAPTOP, locale="en-GB")
    context.set_default_timeout(15_000)
    elsewhere: list[str] = []

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith(make_run) or url.startswith(("data:", "blob:")):
            request_route.continue_()
        else:
            elsewhere.append(url)
            request_route.abort()

    context.route("**/*", route)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not elsewhere, f"the page requested other hosts: {elsewhere}"
    assert not errors, f"JavaScript errors: {errors}"


def test_the_api_docs_render_the_operations(
    offline_page: Any, artifacts: Path, make_run: str
) -> None:
    schema = requests.get(f"{make_run}/api/v1/docs/openapi.json", timeout=10).json()
    operations = {
        path: next(iter(item.values()))["operationId"]
        for path, item in schema["paths"].items()
        if path in ("/api/v1/rooms", "/api/v1/recordings", "/internal-api/v1/participants/token")
    }
    assert len(operations) == 3
    page = offline_page
    page.goto("/api/v1/docs")
    page.get_by_text("OpenVidu Meet compatible REST API").first.wait_for()
    # Redoc lists every operation in its menu, and their paths in the content.
    menu = page.locator("[role=menuitem]")
    menu.first.wait_for()
    labels = [label.strip() for label in menu.all_inner_texts()]
    assert len(labels) > 40, labels
    for operation in operations.values():
        assert any(operation in label for label in labels), (operation, labels)
    page.get_by_role("heading", name=operations["/api/v1/recordings"]).first.wait_for()
    content = page.content()
    for path in ("/api/v1/rooms", "/api/v1/recordings", "/internal-api/v1/auth/login"):
        assert path in content, path
    assert page.locator("text=Unexpected token").count() == 0
    page.screenshot(path=str(artifacts / "api-docs-laptop.png"))


def test_banners_and_a_room_link_under_make_run(offline_page: Any, artifacts: Path) -> None:
    page = offline_page
    page.goto("/console/")
    page.get_by_test_id("banner-demo").wait_for()
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("admin")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/console/")
    assert page.get_by_test_id("banner-demo").is_visible()
    assert page.get_by_test_id("banner-initial-password").is_visible()
    page.screenshot(path=str(artifacts / "banners-laptop.png"), full_page=True)

    page.get_by_role("link", name="Rooms", exact=True).click()
    page.get_by_role("link", name="New room").click()
    page.get_by_label("Room name").fill("Launch review")
    page.get_by_role("button", name="Create room").click()
    page.get_by_text("Room “Launch review” created.").wait_for()
    link = page.get_by_label("Speaker link").input_value()

    response = page.goto(link)
    assert response is not None
    assert response.status == 404  # as the reference without a front-end build
    assert page.get_by_test_id("room-name").inner_text() == "Launch review"
    assert page.get_by_test_id("room-role").inner_text() == "speaker"
    assert page.get_by_test_id("no-frontend").is_visible()
    request = page.get_by_test_id("join-request").inner_text()
    assert "/internal-api/v1/participants/token" in request
    page.screenshot(path=str(artifacts / "room-link-laptop.png"), full_page=True)
