"""``POST /livekit/webhook`` and ``POST /internal-api/v1/config/webhooks/test``."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.serializers import WebhookTestSerializer
from meet.api.output import MessageSerializer
from meet.api.views import MeetAPIView
from webhooks import dispatch, services
from webhooks.livekit_receiver import InvalidLiveKitWebhookError

logger = logging.getLogger(__name__)


@csrf_exempt
def livekit_webhook(request: HttpRequest) -> HttpResponseBase:
    """Always 200 with an empty body, as the reference answers LiveKit."""
    if request.method != "POST":
        from meet.views import not_found

        return not_found(request)
    body = None
    if request.content_type == "application/webhook+json":
        body = request.body.decode("utf-8", errors="replace")
    try:
        outcome = dispatch.receive_livekit_webhook(body, request.headers.get("Authorization", ""))
    except InvalidLiveKitWebhookError as error:
        logger.warning("Rejected LiveKit webhook: %s", error)
    except Exception:  # the reference answers 200 whatever happens
        logger.exception("Error while handling a LiveKit webhook")
    else:
        logger.debug("LiveKit webhook %s", outcome)
    return HttpResponse(status=200, content_type=None)


class WebhookTestView(MeetAPIView):
    operations = {"post": "testing webhook URL"}

    @extend_schema(
        request=WebhookTestSerializer, responses={200: MessageSerializer}, tags=["global config"]
    )
    def post(self, request: Request) -> Response:
        data = self.validated(WebhookTestSerializer, request.data)
        services.test_webhook_url(url=data["url"])
        return self.respond(MessageSerializer, {"message": "Webhook URL is valid"})
