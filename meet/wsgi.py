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


# The process environment's (name, value) pairs a request's environ may drop: set arithmetic on
# the environ's items runs in C, a comprehension over them was 4 % of a cached GET room.
def _inherited_pairs(process_environment: dict[str, str]) -> frozenset[tuple[str, str]]:
    return frozenset(
        (name, value) for name, value in process_environment.items() if name not in _SERVER_NAMES
    )


_INHERITED = _inherited_pairs(_PROCESS_ENVIRONMENT)


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if "PATH" in environ:  # the process environment is in there (granian)
        try:
            environ = dict(environ.items() - _INHERITED)
        except TypeError:  # an unhashable value (no server sets one today): the slow way
            environ = {
                name: value
                for name, value in environ.items()
                if name in _SERVER_NAMES or _PROCESS_ENVIRONMENT.get(name, _MISSING) != value
            }
    return _django(environ, start_response)


if settings.MEET_EMBEDDED_ROLES:
    from meet import embedded

    embedded.start(settings.MEET_EMBEDDED_ROLES)
