from __future__ import annotations

from django.urls import re_path

from meet.api.views import route
from webhooks import views

root_urlpatterns = [
    re_path(r"^(?i:livekit/webhook)/?$", views.livekit_webhook),
]
internal_urlpatterns = [
    route("config/webhooks/test", views.WebhookTestView.as_view()),
]
