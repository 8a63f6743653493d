"""``POST /livekit/webhook``, ``POST /internal-api/v1/config/webhooks/test``, and ours under
``/api/v1/webhooks/``: the signing secret and the delivery log with redelivery."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.authentication import actor_of, admin, api_key, chain
from accounts.serializers import WebhookTestSerializer
from meet.api.output import MessageSerializer
from meet.api.query import query_params
from meet.api.views import MeetAPIView
from webhooks import dispatch, services
from webhooks.domain import DeliveryDetail
from webhooks.livekit_receiver import InvalidLiveKitWebhookError
from webhooks.serializers import (
    DeliveryDetailSerializer,
    DeliveryListQuerySerializer,
    DeliveryListSerializer,
    RedeliverAllInputSerializer,
    RedeliveredSerializer,
    RedeliveryOutcomeSerializer,
    SigningSecretInputSerializer,
    SigningSecretStatusSerializer,
)
from webhooks.services import redelivery, signing

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


# --- Ours: the signing secret and the delivery log (docs/webhook-signing.md) -------------------

ADMIN_CHAIN = chain(api_key, admin)
TAGS = ["webhooks"]
CONFIG_SCOPE = ("config",)


class SigningSecretView(MeetAPIView):
    authentication_classes = ADMIN_CHAIN
    api_key_scopes = {"GET": CONFIG_SCOPE, "PUT": CONFIG_SCOPE, "DELETE": CONFIG_SCOPE}
    operations = {
        "get": "getting the webhook signing secret",
        "put": "setting the webhook signing secret",
        "delete": "clearing the webhook signing secret",
    }

    @extend_schema(responses={200: SigningSecretStatusSerializer}, tags=TAGS)
    def get(self, request: Request) -> Response:
        return self.respond(SigningSecretStatusSerializer, signing.signing_secret_status())

    @extend_schema(
        request=SigningSecretInputSerializer,
        responses={200: SigningSecretStatusSerializer},
        tags=TAGS,
    )
    def put(self, request: Request) -> Response:
        data = self.validated(SigningSecretInputSerializer, request.data)
        status = signing.set_signing_secret(secret=data["secret"], actor=actor_of(request))
        return self.respond(SigningSecretStatusSerializer, status)

    @extend_schema(responses={200: SigningSecretStatusSerializer}, tags=TAGS)
    def delete(self, request: Request) -> Response:
        status = signing.clear_signing_secret(actor=actor_of(request))
        return self.respond(SigningSecretStatusSerializer, status)


class SigningSecretRotateView(MeetAPIView):
    authentication_classes = ADMIN_CHAIN
    api_key_scopes = {"POST": CONFIG_SCOPE}
    operations = {"post": "rotating the webhook signing secret"}

    @extend_schema(request=None, responses={200: SigningSecretStatusSerializer}, tags=TAGS)
    def post(self, request: Request) -> Response:
        status = signing.rotate_signing_secret(actor=actor_of(request))
        response = self.respond(SigningSecretStatusSerializer, status)
        response["Cache-Control"] = "no-store"
        return response


class DeliveryListView(MeetAPIView):
    authentication_classes = ADMIN_CHAIN
    api_key_scopes = {"GET": CONFIG_SCOPE}
    operations = {"get": "getting webhook deliveries"}

    @extend_schema(
        parameters=[DeliveryListQuerySerializer],
        responses={200: DeliveryListSerializer},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        query = self.validated(DeliveryListQuerySerializer, query_params(request))
        page = redelivery.list_deliveries(
            status=query.get("status"),
            since=query["since"],
            limit=query["max_items"],
            offset=int(query.get("next_page_token") or 0),
        )
        return self.respond(
            DeliveryListSerializer,
            {
                "deliveries": page.items,
                "pagination": {
                    "is_truncated": page.is_truncated,
                    "next_page_token": page.next_page_token,
                    "max_items": query["max_items"],
                },
            },
        )


class DeliveryDetailView(MeetAPIView):
    authentication_classes = ADMIN_CHAIN
    api_key_scopes = {"GET": CONFIG_SCOPE}
    operations = {"get": "getting webhook delivery '{deliveryId}'"}

    @extend_schema(responses={200: DeliveryDetailSerializer}, tags=TAGS)
    def get(self, request: Request, deliveryId: str) -> Response:  # noqa: N803 - the route's name
        return self.respond(DeliveryDetailSerializer, redelivery.get_delivery(deliveryId))


class DeliveryRedeliverView(MeetAPIView):
    authentication_classes = ADMIN_CHAIN
    api_key_scopes = {"POST": CONFIG_SCOPE}
    operations = {"post": "redelivering webhook delivery '{deliveryId}'"}

    @extend_schema(request=None, responses={202: RedeliveredSerializer}, tags=TAGS)
    def post(self, request: Request, deliveryId: str) -> Response:  # noqa: N803
        delivery = redelivery.redeliver(delivery_id=deliveryId, actor=actor_of(request))
        return self.respond(
            RedeliveredSerializer,
            {
                "message": f"Webhook delivery '{deliveryId}' queued again as '{delivery.id}'",
                "delivery": DeliveryDetail(delivery=delivery),
            },
            202,
        )


class DeliveryRedeliverAllView(MeetAPIView):
    authentication_classes = ADMIN_CHAIN
    api_key_scopes = {"POST": CONFIG_SCOPE}
    operations = {"post": "redelivering failed webhook deliveries"}

    @extend_schema(
        request=RedeliverAllInputSerializer,
        responses={200: RedeliveryOutcomeSerializer, 202: RedeliveryOutcomeSerializer},
        tags=TAGS,
    )
    def post(self, request: Request) -> Response:
        data = self.validated(RedeliverAllInputSerializer, request.data or {})
        outcome = redelivery.redeliver_since(
            since=int(data["since"]), dry_run=data["dry_run"], actor=actor_of(request)
        )
        status = 200 if outcome.dry_run or not outcome.redelivered else 202
        return self.respond(RedeliveryOutcomeSerializer, outcome, status)
