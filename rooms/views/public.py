"""Public rooms API (api-contract.md §4.1-4.8)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.authentication import admin, api_key, chain, participant_token
from meet.api.views import MeetAPIView
from meet.http import base_url_for
from rooms import services
from rooms.serializers.public import (
    RoomMessageSerializer,
    RoomStatusUpdateSerializer,
    validated_room_id,
)

ADMIN_CHAIN = chain(api_key, admin)
READ_CHAIN = chain(api_key, admin, participant_token)
TAGS = ["rooms"]


class RoomStatusView(MeetAPIView):
    api_key_scopes = {"PUT": ("rooms:write",)}
    authentication_classes = ADMIN_CHAIN
    operations = {"put": "updating room status for room '{roomId}'"}

    @extend_schema(
        request=RoomStatusUpdateSerializer,
        responses={200: RoomMessageSerializer, 202: RoomMessageSerializer},
        tags=TAGS,
    )
    def put(self, request: Request, roomId: str) -> Response:  # noqa: N803
        room_id = validated_room_id(roomId)
        status = self.validated(RoomStatusUpdateSerializer, request.data)["status"]
        room, scheduled = services.update_room_status(room_id=room_id, status=status)
        if scheduled:
            message = f"Room '{room_id}' scheduled to be closed when the meeting ends"
        else:
            message = f"Room '{room_id}' {status} successfully"
        return self.respond(
            RoomMessageSerializer,
            {"message": message, "room": room},
            202 if scheduled else 200,
            base_url=base_url_for(request),
        )
