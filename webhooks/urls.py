from __future__ import annotations

from meet.api.routing import re_route, route
from webhooks import views

root_urlpatterns = [
    re_route(r"^livekit/webhook/?$", views.livekit_webhook),
]
internal_urlpatterns = [
    route("config/webhooks/test", views.WebhookTestView.as_view()),
]
