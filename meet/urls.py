"""Routes: each app's ``urls`` mounted under the reference's prefixes, then the catch-alls."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularRedocView

import accounts.urls
import console.urls
import meetings.urls
import recordings.urls
import rooms.urls
import webhooks.urls
from console.views.operations import root
from meet.api.routing import mount, re_route, route
from meet.views import health, not_found

SCHEMA_URL = "/api/v1/docs/openapi.json"
_redoc = SpectacularRedocView.as_view(url=SCHEMA_URL)


@csrf_exempt
def api_docs(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any method and sub-path gets the API documentation page, as from the reference."""
    request.method = "GET"
    response: HttpResponse = _redoc(request)
    return response


urlpatterns = [
    re_route(r"^health(?:/(?P<rest>.*))?$", health),
    route("api/v1/docs/openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
    re_route(r"^api/v1/docs(?:/.*)?$", api_docs),
    *webhooks.urls.root_urlpatterns,
    mount(
        "api/v1/",
        [
            *meetings.urls.public_urlpatterns,
            *rooms.urls.public_urlpatterns,
            *recordings.urls.public_urlpatterns,
        ],
    ),
    mount(
        "internal-api/v1/",
        [
            *accounts.urls.urlpatterns,
            *rooms.urls.internal_urlpatterns,
            *recordings.urls.internal_urlpatterns,
            *webhooks.urls.internal_urlpatterns,
        ],
    ),
    # The operator console (Django templates, session sign-in); ``/`` leads there.
    path("console/", include(console.urls)),
    path("console", RedirectView.as_view(url="/console/")),
    path("", root),
    re_path(r"^(?P<rest>.*)$", not_found),
]
