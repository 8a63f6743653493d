"""Static files and the optional front-end build, served as the reference serves its ``public/``.

* ``/static/``: the apps' static files (the Redoc bundle of ``/api/v1/docs``), served by
  WhiteNoise straight from the installed packages: no ``collectstatic`` step in any mode.
* ``MEET_FRONTEND_DIR`` (off by default) names a directory laid out as the reference's
  ``public/``: ``frontend/`` (with ``index.html``) and ``webcomponent/openvidu-meet.bundle.min.js``.
  Then, as in the reference: any GET/HEAD path naming a file of ``frontend/`` is that file
  (before the routes), ``GET /`` and the SPA fallback (GET/HEAD outside ``/api/`` and
  ``/internal-api/``) are ``index.html``, and ``GET /v1/openvidu-meet.js`` is the bundle.
* Without a build, those paths answer what the reference answers without its build: Express'
  ``404`` error page (``<pre>Not Found</pre>``), never a ``200`` placeholder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from whitenoise.middleware import WhiteNoiseMiddleware

INDEX_FILE = "index.html"
WEBCOMPONENT_FILE = Path("webcomponent") / "openvidu-meet.bundle.min.js"

# Express' finalhandler in production (the Docker image sets NODE_ENV=production).
_EXPRESS_ERROR_PAGE = (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n'
    "</head>\n<body>\n<pre>{text}</pre>\n</body>\n</html>\n"
)


def frontend_root() -> Path | None:
    """``<MEET_FRONTEND_DIR>/frontend`` when a build is configured."""
    directory = getattr(settings, "MEET_FRONTEND_DIR", "")
    return Path(directory) / "frontend" if directory else None


def express_not_found() -> HttpResponse:
    """What the reference answers when the file it would send is missing."""
    response = HttpResponse(
        _EXPRESS_ERROR_PAGE.format(text="Not Found"),
        status=404,
        content_type="text/html; charset=utf-8",
    )
    response["Content-Security-Policy"] = "default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _send_file(path: Path, content_type: str) -> HttpResponseBase:
    if not path.is_file():
        return express_not_found()
    return FileResponse(path.open("rb"), content_type=content_type)


def index_response(request: HttpRequest) -> HttpResponseBase | None:
    """The front end's ``index.html``, or ``None`` when no build is configured."""
    root = frontend_root()
    if root is None:
        return None
    return _send_file(root / INDEX_FILE, "text/html; charset=UTF-8")


def webcomponent_response() -> HttpResponseBase:
    """The web-component bundle of the configured build (Express' 404 page without one)."""
    directory = getattr(settings, "MEET_FRONTEND_DIR", "")
    if not directory:
        return express_not_found()
    return _send_file(Path(directory) / WEBCOMPONENT_FILE, "application/javascript; charset=UTF-8")


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise for ``/static/`` and, with ``MEET_FRONTEND_DIR``, the build's files at the root.

    Only GET and HEAD are served (Express' static middleware lets other methods fall through to
    the routes and the JSON 404); WhiteNoise alone would answer them 405. Dotfiles are not
    served, as by Express.
    """

    def __init__(self, get_response: Any = None, settings: Any = settings) -> None:
        super().__init__(get_response, settings)
        root = frontend_root()
        if root is not None:
            self.add_files(str(root))

    def add_file_to_dictionary(self, url: str, path: str, stat_cache: Any = None) -> None:
        # Express' static middleware ignores dotfiles (they fall through to the SPA fallback).
        if any(part.startswith(".") for part in url.split("/")):
            return
        super().add_file_to_dictionary(url, path, stat_cache)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        return super().__call__(request)
