"""The WSGI application (``meet.wsgi:application``), served by granian (bin/run) or any WSGI
server. With ``MEET_EMBEDDED_ROLES`` set, the process also runs Celery's worker and/or beat as
threads (meet/embedded.py): the single-node default of bin/run."""

import functools
import os
from collections.abc import Callable, Iterable
from typing import Any

import django
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest
from django.urls import ResolverMatch, get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meet.settings")
django.setup(set_prefix=False)


@functools.lru_cache(maxsize=4096)
def _resolve(path: str) -> ResolverMatch:
    """The route of ``path``, remembered: resolving walks every route's regex in order (an
    eighth of a cached ``GET /api/v1/rooms/{id}``). Paths that match nothing raise, and are not
    remembered. The URLconf does not change while the process runs."""
    return get_resolver().resolve(path)


class MeetWSGIHandler(WSGIHandler):
    """Django's handler with the route of a path looked up once per process (see ``_resolve``);
    a match is only read by the handler and the middlewares (audit, metrics), never changed."""

    def resolve_request(self, request: HttpRequest) -> ResolverMatch:
        if hasattr(request, "urlconf"):  # a middleware chose another URLconf: nothing cached
            return super().resolve_request(request)
        match = _resolve(request.path_info)
        request.resolver_match = match
        return match


_django = MeetWSGIHandler()

# granian starts every request's environ from a copy of the process environment: drop those
# entries, so neither secrets (MEET_REDIS_PASSWORD, ...) end up in request.META nor a variable
# such as HTTP_X_FORWARDED_PROTO reads as a request header. What the server sets for the
# request (CGI names, headers, wsgi.*) has other values or is not in the environment.
_PROCESS_ENVIRONMENT = dict(os.environ)


_SERVER_NAMES = frozenset(
    (
        "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE",
        "CONTENT_LENGTH", "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "REMOTE_ADDR",
    )
)  # fmt: skip
_MISSING = object()


def _inherited_pairs(process_environment: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(
        (name, value) for name, value in process_environment.items() if name not in _SERVER_NAMES
    )


# The process environment's (name, value) pairs a request's environ drops.
_INHERITED = _inherited_pairs(_PROCESS_ENVIRONMENT)


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if "PATH" in environ:  # the process environment is in there (granian)
        # In place: granian builds a new environ for every request. (A comprehension over the
        # whole environ, or set arithmetic on its items, cost two to three times as much.)
        for name, value in _INHERITED:
            if environ.get(name, _MISSING) == value:
                del environ[name]
    return _django(environ, start_response)


if settings.MEET_EMBEDDED_ROLES:
    from meet import embedded

    embedded.start(settings.MEET_EMBEDDED_ROLES)
