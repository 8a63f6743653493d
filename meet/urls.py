"""Routes: each app's ``urls`` mounted under the reference's prefixes, then the catch-alls."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularRedocView

import accounts.urls
import audit_http.urls
import console.urls
import meetings.urls
import metrics.urls
import recordings.urls
import rooms.urls
import webhooks.urls
from console.views.links import room_link
from console.views.operations import root
from meet.api.routing import mount, re_route, route
from meet.views import health, not_found, webcomponent

SCHEMA_URL = "/api/v1/docs/openapi.json"
# Our own page template: the package's links a web-font CDN; ours loads nothing from elsewhere.
_redoc = SpectacularRedocView.as_view(url=SCHEMA_URL, template_name="meet/api_docs.html")
API_DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; object-src 'none'"
)


@csrf_exempt
def api_docs(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any method and sub-path gets the API documentation page, as from the reference."""
    request.method = "GET"
    response: HttpResponse = _redoc(request)
    # Nothing from other hosts, not even the bundle's "by Redocly" logo (it hides itself).
    response["Content-Security-Policy"] = API_DOCS_CSP
    return response


@csrf_exempt
def internal_api_docs(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
    """``/internal-api/v1/docs``: served only when ``NODE_ENV=development``, as the reference
    (our one description covers both APIs); else the JSON 404 of any unknown path."""
    if settings.NODE_ENV != "development":
        return not_found(request)
    return api_docs(request)


urlpatterns = [
    re_route(r"^health(?:/(?P<rest>.*))?$", health),
    route("api/v1/docs/openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
    re_route(r"^api/v1/docs(?:/.*)?$", api_docs),
    re_route(r"^internal-api/v1/docs(?:/.*)?$", internal_api_docs),
    # The front-end build's web component (meet/frontend.py); Express' 404 page without one.
    re_route(r"^v1/openvidu-meet\.js/?$", webcomponent),
    *webhooks.urls.root_urlpatterns,
    *metrics.urls.root_urlpatterns,
    mount(
        "api/v1/",
        [
            *meetings.urls.public_urlpatterns,
            *rooms.urls.public_urlpatterns,
            *recordings.urls.public_urlpatterns,
            *audit_http.urls.public_urlpatterns,
            *webhooks.urls.public_urlpatterns,
            *metrics.urls.public_urlpatterns,
            *accounts.urls.public_urlpatterns,
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
    # A room link: the front end's page when a build is configured, else the console's page
    # showing the room and how a front end joins it (status 404, as the reference without its
    # build).
    re_route(r"^room/(?P<room_id>[^/]+)/?$", room_link),
    re_path(r"^(?P<rest>.*)$", not_found),
]
