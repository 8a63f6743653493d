"""Public rooms API (api-contract.md §4.1-4.8)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.authentication import admin, api_key, chain, participant_token
from meet.api.pagination import paginated_body
from meet.api.query import query_params
from meet.api.views import MeetAPIView
from meet.http import base_url_for
from rooms import services
from rooms.domain import RoomConfig
from rooms.permissions import check_room_scope, is_speaker
from rooms.repository import config_to_json
from rooms.serializers import (
    BulkDeleteQuerySerializer,
    RoomConfigUpdateSerializer,
    RoomCreateSerializer,
    RoomDeleteQuerySerializer,
    RoomListQuerySerializer,
    RoomStatusUpdateSerializer,
    config_from_validated,
    parse_fields,
    policy_from_validated,
    room_body,
    validated_room_id,
)

ADMIN_CHAIN = chain(api_key, admin)
READ_CHAIN = chain(api_key, admin, participant_token)
TAGS = ["rooms"]


def _deletion_body(outcome: services.DeletionOutcome, base_url: str) -> dict[str, Any]:
    body: dict[str, Any] = {"successCode": outcome.code, "message": outcome.message}
    if outcome.room is not None:
        body["room"] = room_body(outcome.room, base_url)
    return body


class RoomListView(MeetAPIView):
    authentication_classes = ADMIN_CHAIN
    operations = {
        "post": "creating room",
        "get": "getting rooms",
        "delete": "deleting rooms",
    }

    @extend_schema(request=RoomCreateSerializer, responses={201: OpenApiTypes.OBJECT}, tags=TAGS)
    def post(self, request: Request) -> Response:
        data = self.validated(RoomCreateSerializer, request.data)
        options = services.RoomOptions(
            room_name=data["room_name"],
            auto_deletion_date=data.get("auto_deletion_date"),
            auto_deletion_policy=policy_from_validated(data.get("auto_deletion_policy")),
            config=config_from_validated(data["config"]) if "config" in data else RoomConfig(),
        )
        room = services.create_room(options=options)
        base_url = base_url_for(request)
        response = Response(room_body(room, base_url), status=201)
        response["Location"] = f"{base_url}/api/v1/rooms/{room.room_id}"
        return response

    @extend_schema(
        parameters=[RoomListQuerySerializer], responses={200: OpenApiTypes.OBJECT}, tags=TAGS
    )
    def get(self, request: Request) -> Response:
        query = self.validated(RoomListQuerySerializer, query_params(request))
        page = services.list_rooms(
            room_id_prefix=query.get("room_name", ""),
            limit=query["max_items"],
            page_token=query.get("next_page_token"),
        )
        fields = parse_fields(query.get("fields"))
        base_url = base_url_for(request)
        rooms = [room_body(room, base_url, fields=fields) for room in page.items]
        return Response(paginated_body("rooms", rooms, page, query["max_items"]))

    @extend_schema(
        parameters=[BulkDeleteQuerySerializer], responses={200: OpenApiTypes.OBJECT}, tags=TAGS
    )
    def delete(self, request: Request) -> Response:
        query = self.validated(BulkDeleteQuerySerializer, query_params(request))
        result = services.delete_rooms(
            room_ids=query["room_ids"],
            with_meeting=query["with_meeting"],
            with_recordings=query["with_recordings"],
        )
        base_url = base_url_for(request)
        successful = [
            {"roomId": outcome.room_id, **_deletion_body(outcome, base_url)}
            for outcome in result.successful
        ]
        if not result.failed:
            return Response(
                {
                    "message": "All rooms successfully processed for deletion",
                    "successful": successful,
                }
            )
        failed = [
            {"roomId": room_id, "error": error.error, "message": error.message}
            for room_id, error in result.failed
        ]
        return Response(
            {
                "message": f"{len(failed)} room(s) failed to process while deleting",
                "successful": successful,
                "failed": failed,
            },
            status=400,
        )


class RoomDetailView(MeetAPIView):
    authentication_by_method = {"GET": READ_CHAIN, "DELETE": ADMIN_CHAIN}
    operations = {"get": "getting room '{roomId}'", "delete": "deleting room '{roomId}'"}

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, tags=TAGS)
    def get(self, request: Request, roomId: str) -> Response:  # noqa: N803 - the route's name
        room_id = validated_room_id(roomId)
        check_room_scope(request.user, room_id)
        room = services.get_room(room_id, cached=True)
        fields = parse_fields(query_params(request).get("fields"))
        return Response(
            room_body(
                room,
                base_url_for(request),
                fields=fields,
                hide_moderator_url=is_speaker(request.user),
            )
        )

    @extend_schema(
        parameters=[RoomDeleteQuerySerializer], responses={200: OpenApiTypes.OBJECT}, tags=TAGS
    )
    def delete(self, request: Request, roomId: str) -> Response:  # noqa: N803
        room_id = validated_room_id(roomId, field="")
        query = self.validated(RoomDeleteQuerySerializer, query_params(request))
        outcome = services.delete_room(
            room_id=room_id,
            with_meeting=query["with_meeting"],
            with_recordings=query["with_recordings"],
        )
        return Response(
            _deletion_body(outcome, base_url_for(request)), status=202 if outcome.scheduled else 200
        )


class RoomConfigView(MeetAPIView):
    authentication_by_method = {"GET": READ_CHAIN, "PUT": ADMIN_CHAIN}
    operations = {
        "get": "getting room config for room '{roomId}'",
        "put": "updating room config for room '{roomId}'",
    }

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, tags=TAGS)
    def get(self, request: Request, roomId: str) -> Response:  # noqa: N803
        room_id = validated_room_id(roomId)
        check_room_scope(request.user, room_id)
        return Response(config_to_json(services.get_room(room_id).config))

    @extend_schema(
        request=RoomConfigUpdateSerializer, responses={200: OpenApiTypes.OBJECT}, tags=TAGS
    )
    def put(self, request: Request, roomId: str) -> Response:  # noqa: N803
        room_id = validated_room_id(roomId)
        data = self.validated(RoomConfigUpdateSerializer, request.data)
        services.update_room_config(room_id=room_id, config=config_from_validated(data["config"]))
        return Response({"message": f"Room config for room '{room_id}' updated successfully"})


class RoomStatusView(MeetAPIView):
    authentication_classes = ADMIN_CHAIN
    operations = {"put": "updating room status for room '{roomId}'"}

    @extend_schema(
        request=RoomStatusUpdateSerializer, responses={200: OpenApiTypes.OBJECT}, tags=TAGS
    )
    def put(self, request: Request, roomId: str) -> Response:  # noqa: N803
        room_id = validated_room_id(roomId)
        status = self.validated(RoomStatusUpdateSerializer, request.data)["status"]
        room, scheduled = services.update_room_status(room_id=room_id, status=status)
        body = room_body(room, base_url_for(request))
        if scheduled:
            message = f"Room '{room_id}' scheduled to be closed when the meeting ends"
            return Response({"message": message, "room": body}, status=202)
        return Response({"message": f"Room '{room_id}' {status} successfully", "room": body})
