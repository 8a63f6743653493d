"""The public rooms routes whose methods involve recordings: the room collection and item
(deletion with or without recordings) and the room config (its archived copy) (§4.1-4.7)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.authentication import admin, api_key, chain, participant_token, principal_of
from meet.api.output import MessageSerializer, RenderMemo, render
from meet.api.pagination import PaginationSerializer, pagination
from meet.api.query import query_params
from meet.api.views import MeetAPIView
from meet.http import base_url_for
from meetings import services
from meetings.serializers import (
    BulkRoomDeletionFailureSerializer,
    BulkRoomDeletionSerializer,
    RoomDeletionSerializer,
    bulk_deletion,
)
from rooms import services as room_services
from rooms.domain import RoomConfig
from rooms.permissions import check_room_scope, is_speaker
from rooms.serializers.public import (
    BulkDeleteQuerySerializer,
    RoomConfigSerializer,
    RoomConfigUpdateSerializer,
    RoomCreateSerializer,
    RoomDeleteQuerySerializer,
    RoomListQuerySerializer,
    RoomListSerializer,
    RoomSerializer,
    config_from_validated,
    parse_fields,
    policy_from_validated,
    validated_room_id,
)

ADMIN_CHAIN = chain(api_key, admin)
READ_CHAIN = chain(api_key, admin, participant_token)
TAGS = ["rooms"]
# The body of a room (GET /rooms/{id}, the listing) for each in-process copy (meet.local_cache).
_ROOM_BODIES = RenderMemo()


class RoomListView(MeetAPIView):
    api_key_scopes = {"GET": ("rooms:read",), "POST": ("rooms:write",), "DELETE": ("rooms:write",)}
    authentication_classes = ADMIN_CHAIN
    operations = {
        "post": "creating room",
        "get": "getting rooms",
        "delete": "deleting rooms",
    }

    @extend_schema(request=RoomCreateSerializer, responses={201: RoomSerializer}, tags=TAGS)
    def post(self, request: Request) -> Response:
        data = self.validated(RoomCreateSerializer, request.data)
        options = room_services.RoomOptions(
            room_name=data["room_name"],
            auto_deletion_date=data.get("auto_deletion_date"),
            auto_deletion_policy=policy_from_validated(data.get("auto_deletion_policy")),
            config=config_from_validated(data["config"]) if "config" in data else RoomConfig(),
        )
        room = room_services.create_room(options=options)
        base_url = base_url_for(request)
        response = self.respond(RoomSerializer, room, 201, base_url=base_url)
        response["Location"] = f"{base_url}/api/v1/rooms/{room.room_id}"
        return response

    @extend_schema(
        parameters=[RoomListQuerySerializer], responses={200: RoomListSerializer}, tags=TAGS
    )
    def get(self, request: Request) -> Response:
        query = self.validated(RoomListQuerySerializer, query_params(request))
        page = room_services.list_rooms(
            room_id_prefix=query.get("room_name", ""),
            limit=query["max_items"],
            page_token=query.get("next_page_token"),
        )
        # RoomListSerializer's body, each room's part from the memo GET room uses.
        fields = parse_fields(query.get("fields"))
        base_url = base_url_for(request)
        rooms = [
            _ROOM_BODIES.render(
                RoomSerializer,
                room,
                base_url=base_url,
                fields=tuple(fields) if fields is not None else None,
                hide_moderator_url=False,
            )
            for room in page.items
        ]
        listing = render(PaginationSerializer, pagination(page, query["max_items"]))
        return Response({"rooms": rooms, "pagination": listing})

    @extend_schema(
        parameters=[BulkDeleteQuerySerializer],
        responses={200: BulkRoomDeletionSerializer, 400: BulkRoomDeletionFailureSerializer},
        tags=TAGS,
    )
    def delete(self, request: Request) -> Response:
        query = self.validated(BulkDeleteQuerySerializer, query_params(request))
        result = services.delete_rooms(
            room_ids=query["room_ids"],
            with_meeting=query["with_meeting"],
            with_recordings=query["with_recordings"],
        )
        serializer, body, status = bulk_deletion(result)
        return self.respond(serializer, body, status, base_url=base_url_for(request))


class RoomDetailView(MeetAPIView):
    api_key_scopes = {"GET": ("rooms:read",), "DELETE": ("rooms:write",)}
    authentication_by_method = {"GET": READ_CHAIN, "DELETE": ADMIN_CHAIN}
    operations = {"get": "getting room '{roomId}'", "delete": "deleting room '{roomId}'"}

    @extend_schema(responses={200: RoomSerializer}, tags=TAGS)
    def get(self, request: Request, roomId: str) -> Response:  # noqa: N803 - the route's name
        room_id = validated_room_id(roomId)
        check_room_scope(principal_of(request), room_id)
        room = room_services.get_room(room_id, cached=True)
        fields = parse_fields(query_params(request).get("fields"))
        body = _ROOM_BODIES.render(
            RoomSerializer,
            room,
            base_url=base_url_for(request),
            fields=tuple(fields) if fields is not None else None,
            hide_moderator_url=is_speaker(principal_of(request)),
        )
        return Response(body)

    @extend_schema(
        parameters=[RoomDeleteQuerySerializer],
        responses={200: RoomDeletionSerializer, 202: RoomDeletionSerializer},
        tags=TAGS,
    )
    def delete(self, request: Request, roomId: str) -> Response:  # noqa: N803
        room_id = validated_room_id(roomId, field="")
        query = self.validated(RoomDeleteQuerySerializer, query_params(request))
        outcome = services.delete_room(
            room_id=room_id,
            with_meeting=query["with_meeting"],
            with_recordings=query["with_recordings"],
        )
        status = 202 if outcome.scheduled else 200
        return self.respond(RoomDeletionSerializer, outcome, status, base_url=base_url_for(request))


class RoomConfigView(MeetAPIView):
    api_key_scopes = {"GET": ("rooms:read",), "PUT": ("rooms:write",)}
    authentication_by_method = {"GET": READ_CHAIN, "PUT": ADMIN_CHAIN}
    operations = {
        "get": "getting room config for room '{roomId}'",
        "put": "updating room config for room '{roomId}'",
    }

    @extend_schema(responses={200: RoomConfigSerializer}, tags=TAGS)
    def get(self, request: Request, roomId: str) -> Response:  # noqa: N803
        room_id = validated_room_id(roomId)
        check_room_scope(principal_of(request), room_id)
        return self.respond(RoomConfigSerializer, room_services.get_room(room_id).config)

    @extend_schema(
        request=RoomConfigUpdateSerializer, responses={200: MessageSerializer}, tags=TAGS
    )
    def put(self, request: Request, roomId: str) -> Response:  # noqa: N803
        room_id = validated_room_id(roomId)
        data = self.validated(RoomConfigUpdateSerializer, request.data)
        current = room_services.get_room(room_id).config
        services.update_room_config(
            room_id=room_id, config=config_from_validated(data["config"], current)
        )
        message = f"Room config for room '{room_id}' updated successfully"
        return self.respond(MessageSerializer, {"message": message})
