"""Routes: each app's ``urls`` mounted under the reference's prefixes, then the catch-alls."""

from __future__ import annotations

from django.urls import re_path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularRedocView

import accounts.urls
import recordings.urls
import rooms.urls
import webhooks.urls
from meet.api.views import health, mount, not_found, route

SCHEMA_URL = "/api/v1/docs/openapi.json"

urlpatterns = [
    re_path(r"^(?i:health)(?:/(?P<rest>.*))?$", health),
    route("api/v1/docs/openapi.json", SpectacularJSONAPIView.as_view(), name="schema"),
    re_path(r"^(?i:api/v1/docs)(?:/.*)?$", SpectacularRedocView.as_view(url=SCHEMA_URL)),
    *webhooks.urls.root_urlpatterns,
    mount("api/v1/", [*rooms.urls.public_urlpatterns, *recordings.urls.public_urlpatterns]),
    mount(
        "internal-api/v1/",
        [
            *accounts.urls.urlpatterns,
            *rooms.urls.internal_urlpatterns,
            *recordings.urls.internal_urlpatterns,
            *webhooks.urls.internal_urlpatterns,
        ],
    ),
    re_path(r"^(?P<rest>.*)$", not_found),
]
