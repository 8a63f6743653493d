"""Routes: each app's ``urls`` mounted under the reference's prefixes, then the catch-alls."""

from __future__ import annotations

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

import accounts.urls
import recordings.urls
import rooms.urls
import webhooks.urls
from meet.api.views import health, not_found

urlpatterns = [
    re_path(r"(?i)^health(?:/(?P<rest>.*))?$", health),
    re_path(r"(?i)^api/v1/docs/openapi\.json$", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"(?i)^api/v1/docs(?:/.*)?$", SpectacularRedocView.as_view(url_name="schema")),
    path("", include(webhooks.urls.public_urlpatterns)),
    re_path(r"(?i)^api/v1/", include(rooms.urls.public_urlpatterns)),
    re_path(r"(?i)^api/v1/", include(recordings.urls.public_urlpatterns)),
    re_path(r"(?i)^internal-api/v1/", include(accounts.urls.urlpatterns)),
    re_path(r"(?i)^internal-api/v1/", include(rooms.urls.internal_urlpatterns)),
    re_path(r"(?i)^internal-api/v1/", include(recordings.urls.internal_urlpatterns)),
    re_path(r"(?i)^internal-api/v1/", include(webhooks.urls.internal_urlpatterns)),
    re_path(r"^(?P<rest>.*)$", not_found),
]
