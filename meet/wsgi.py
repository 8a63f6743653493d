"""The WSGI application (``meet.wsgi:application``), served by granian (bin/run) or any WSGI
server. With ``MEET_EMBEDDED_ROLES`` set, the process also runs Celery's worker and/or beat as
threads (meet/embedded.py): the single-node default of bin/run."""

import os
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meet.settings")
_django = get_wsgi_application()

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


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if "PATH" in environ:  # the process environment is in there (granian)
        environ = {
            name: value
            for name, value in environ.items()
            if name in _SERVER_NAMES or _PROCESS_ENVIRONMENT.get(name, _MISSING) != value
        }
    return _django(environ, start_response)


if settings.MEET_EMBEDDED_ROLES:
    from meet import embedded

    embedded.start(settings.MEET_EMBEDDED_ROLES)
