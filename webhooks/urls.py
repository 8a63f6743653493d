from __future__ import annotations

from meet.api.routing import re_route, route
from webhooks import views

root_urlpatterns = [
    re_route(r"^livekit/webhook/?$", views.livekit_webhook),
]
public_urlpatterns = [  # ours (docs/webhook-signing.md)
    route("webhooks/signing-secret", views.SigningSecretView.as_view()),
    route("webhooks/signing-secret/rotate", views.SigningSecretRotateView.as_view()),
    route("webhooks/deliveries", views.DeliveryListView.as_view()),
    route("webhooks/deliveries/redeliver", views.DeliveryRedeliverAllView.as_view()),
    route("webhooks/deliveries/<deliveryId>", views.DeliveryDetailView.as_view()),
    route("webhooks/deliveries/<deliveryId>/redeliver", views.DeliveryRedeliverView.as_view()),
]
internal_urlpatterns = [
    route("config/webhooks/test", views.WebhookTestView.as_view()),
]
