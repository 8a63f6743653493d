"""Requests by route and status, and their latency (``meet_http_*``), when metrics are on.

First in ``MIDDLEWARE``, so it times everything after it (CORS, static files, the view). With
``MEET_METRICS_ENABLED`` off Django does not load it at all (``MiddlewareNotUsed``): no cost.

The route label is the matched URL pattern as a template (``/api/v1/rooms/<roomId>``), never
the request's path: ids, room secrets and tokens in paths never reach a label, and the number
of series stays that of the routes. Unmatched paths (the catch-all, static files, a CORS
preflight answered before routing) share one label each.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse

from meet import metrics
from meet.views import not_found

Handler = Callable[[HttpRequest], HttpResponse]

UNMATCHED = "<unmatched>"  # the catch-all's 404 / front-end page
UNROUTED = "<unrouted>"  # answered before routing: static files, CORS preflight, body limit

_NAMED_GROUP = re.compile(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)")
_OPTIONAL_GROUP = re.compile(r"\(\?:[^()]*\)\?")


@functools.lru_cache(maxsize=512)
def route_template(route: str) -> str:
    """A resolved route (Django's ``ResolverMatch.route``: our case-insensitive regexes joined,
    or ``path()`` templates) as a readable template: ``^api/v1/^rooms/(?P<roomId>[^/]+)/?$`` ->
    ``/api/v1/rooms/<roomId>``. Bounded by the number of routes (cached per route)."""
    text = _NAMED_GROUP.sub(lambda match: f"<{match.group(1)}>", route)
    text = _OPTIONAL_GROUP.sub("", text)  # ``health(?:/<rest>)?`` -> ``health``
    for token in ("^", "$", "/?", "?"):
        text = text.replace(token, "")
    text = text.replace("\\", "")
    return "/" + text.lstrip("/")


def route_label(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNROUTED
    if match.func is not_found:
        return UNMATCHED
    return route_template(match.route)


class MetricsMiddleware:
    def __init__(self, get_response: Handler) -> None:
        if not settings.MEET_METRICS_ENABLED:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        metrics.observe_request(
            request.method or "",
            route_label(request),
            response.status_code,
            time.perf_counter() - started,
        )
        return response
