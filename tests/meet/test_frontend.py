"""Static files and the operator-supplied front-end build (MEET_FRONTEND_DIR).

With a build, paths are answered as the reference answers them from its ``public/``: files of
``frontend/`` first, ``index.html`` for ``/`` and the SPA fallback, the web component at
``/v1/openvidu-meet.js``. Without one, the answers of the reference without its build:
Express' 404 page, never a 200 placeholder.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.conftest import FRONTEND_BUILD

REPO = Path(__file__).resolve().parents[2]
EXPRESS_NOT_FOUND = (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n'
    "</head>\n<body>\n<pre>Not Found</pre>\n</body>\n</html>\n"
)
PATH_NOT_FOUND = {"error": "Path Not Found", "message": "API path not implemented"}
INDEX = (FRONTEND_BUILD / "frontend" / "index.html").read_bytes()
BUNDLE = (FRONTEND_BUILD / "webcomponent" / "openvidu-meet.bundle.min.js").read_bytes()


def body(response: Any) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return bytes(response.content)


def assert_express_not_found(response: Any) -> None:
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert body(response).decode() == EXPRESS_NOT_FOUND
    assert response["X-Content-Type-Options"] == "nosniff"


# --- Without a build -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/v1/openvidu-meet.js", "/login", "/api", "/recording/r1?secret=abc", "/a/b.js"]
)
def test_without_a_build_front_end_paths_get_express_404_page(path: str) -> None:
    assert_express_not_found(Client().get(path))


def test_without_a_build_head_of_the_web_component_is_404() -> None:
    response = Client().head("/v1/openvidu-meet.js")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_other_methods_on_the_web_component_get_the_json_404(
    initialized: None, method: str
) -> None:
    response = getattr(Client(), method)("/v1/openvidu-meet.js")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == PATH_NOT_FOUND


# --- With a build ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/room/Weekly-abc?secret=123",
        "/recording/r1?secret=x",
        "/login",
        "/api",
        "/a/b/c",
        "/.hidden",
    ],
)
def test_the_build_index_answers_root_and_the_spa_fallback(frontend_build: Path, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].lower() == "text/html; charset=utf-8"
    assert body(response) == INDEX


def test_the_build_files_are_served_before_the_routes(frontend_build: Path) -> None:
    response = Client().get("/assets/main.js")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/javascript")
    assert body(response) == (FRONTEND_BUILD / "frontend" / "assets" / "main.js").read_bytes()
    assert Client().get("/index.html").status_code == HTTPStatus.OK


def test_the_web_component_bundle(frontend_build: Path) -> None:
    response = Client().get("/v1/openvidu-meet.js")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].lower() == "application/javascript; charset=utf-8"
    assert body(response) == BUNDLE


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/unknown"),
        ("get", "/internal-api/v1/nothing"),
        ("get", "/x/api/y"),
        ("post", "/assets/main.js"),  # static serving answers GET/HEAD only
        ("post", "/room/abc"),
    ],
)
def test_api_paths_and_other_methods_still_get_the_json_404(
    frontend_build: Path, initialized: None, method: str, path: str
) -> None:
    response = getattr(Client(), method)(path)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == PATH_NOT_FOUND


def test_the_apis_are_unchanged_with_a_build(frontend_build: Path, initialized: None) -> None:
    response = Client().get("/internal-api/v1/config/security")
    assert response.status_code == HTTPStatus.OK
    assert "authentication" in response.json()
    assert Client().get("/health").content == b"OK"


def test_a_build_without_the_web_component_gets_express_404_page(
    tmp_path: Path, settings: Any
) -> None:
    (tmp_path / "frontend").mkdir()
    (tmp_path / "frontend" / "index.html").write_text("<html>only the app</html>")
    settings.MEET_FRONTEND_DIR = str(tmp_path)
    assert_express_not_found(Client().get("/v1/openvidu-meet.js"))
    assert body(Client().get("/room/x")) == b"<html>only the app</html>"


def test_a_directory_without_index_html_stops_start_up(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "meet.settings",
        "MEET_FRONTEND_DIR": str(tmp_path),
    }
    env["MEET_CONFIG_DIR"] = str(tmp_path / "empty.env")
    (tmp_path / "empty.env").write_text("")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert f"MEET_FRONTEND_DIR: '{tmp_path}' has no frontend/index.html" in result.stderr


# --- Static files and the API docs -------------------------------------------------------------


def test_api_docs_page_loads_only_files_of_this_server() -> None:
    page = Client().get("/api/v1/docs").content.decode()
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", page), page
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts == ["/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"]
    bundle = Client().get(scripts[0])
    assert bundle.status_code == HTTPStatus.OK
    assert bundle["Content-Type"].startswith("text/javascript")
    assert not body(bundle).lstrip().startswith(b"<")  # the bundle, not an HTML page


def test_static_files_answer_get_only(initialized: None) -> None:
    url = "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
    assert Client().head(url).status_code == HTTPStatus.OK
    response = Client().post(url)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == PATH_NOT_FOUND
    assert_express_not_found(Client().get("/static/nothing-here.js"))


def test_internal_api_docs_only_in_development(initialized: None, settings: Any) -> None:
    settings.NODE_ENV = "production"
    response = Client().get("/internal-api/v1/docs")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == PATH_NOT_FOUND
    settings.NODE_ENV = "development"
    for method in ("get", "post"):
        page = getattr(Client(), method)("/internal-api/v1/docs/anything")
        assert page.status_code == HTTPStatus.OK
        assert b"redoc.standalone.js" in page.content
