"""Internal API: start and stop recordings (api-contract.md §5.6) and recording tokens (§5.3a).

Validation, the room lookup and the recording-enabled check come *before* authentication, as in
the reference (an unauthenticated request for a missing room gets 404, for a room with
recording disabled 403, before any 401).
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.authentication import participant_token, run_chain, transport_mode
from accounts.domain import AuthTransportMode
from meet.api.cookies import token_response
from meet.api.output import TokenSerializer
from meet.api.views import MeetAPIView
from meet.errors import InsufficientPermissionsError
from meet.http import base_url_for
from meet.javascript import UNDEFINED
from recordings.domain import Recording, parse_recording_id
from recordings.errors import ArchivedRoomNotFoundError, RecordingDisabledError
from recordings.serializers.internal import RecordingTokenSerializer, StartRecordingSerializer
from recordings.serializers.public import RecordingSerializer
from recordings.services import lifecycle, tokens
from rooms import services as rooms
from rooms.permissions import require_room_access
from rooms.serializers.public import validated_room_id

TAGS = ["internal recordings"]
_SAFE_ROOM_ID = re.compile(r"^[A-Za-z0-9_-]+$")


def _authorize_recording(request: Request, room_id: str) -> None:
    room = rooms.get_room(room_id)
    if not room.config.recording.enabled:
        raise RecordingDisabledError(room_id)
    principal = run_chain(request, (participant_token,))
    metadata: dict[str, Any] = principal.metadata or {}
    role = principal.selected_role
    can_record = any(
        item.get("role") == role and item.get("permissions", {}).get("canRecord") is True
        for item in metadata.get("roles", [])
    )
    if principal.room_id != room_id or not can_record:
        raise InsufficientPermissionsError()


def _recording_response(
    view: MeetAPIView, request: Request, recording: Recording, status: int
) -> Response:
    response = view.respond(RecordingSerializer, recording, status)
    response["Location"] = f"{base_url_for(request)}/api/v1/recordings/{recording.recording_id}"
    return response


class RecordingStartView(MeetAPIView):
    operations = {"post": "starting Room Composite Egress"}

    @extend_schema(
        request=StartRecordingSerializer, responses={201: RecordingSerializer}, tags=TAGS
    )
    def post(self, request: Request) -> Response:
        room_id = self.validated(StartRecordingSerializer, request.data)["room_id"]
        _authorize_recording(request, room_id)
        self.operations = {"post": f"starting Room Composite Egress for room '{room_id}'"}
        recording = lifecycle.start_recording(room_id=room_id)
        return _recording_response(self, request, recording, 201)


class RecordingStopView(MeetAPIView):
    operations = {"post": "stopping recording '{recordingId}'"}

    @extend_schema(request=None, responses={202: RecordingSerializer}, tags=TAGS)
    def post(self, request: Request, recordingId: str) -> Response:  # noqa: N803 - route name
        parsed = parse_recording_id(recordingId)
        if parsed is None:
            raise serializers.ValidationError(
                {"recordingId": ["recordingId does not follow the expected format"]}
            )
        _authorize_recording(request, parsed.room_id)
        recording = lifecycle.stop_recording(recording_id=parsed)
        return _recording_response(self, request, recording, 202)


class RecordingTokenView(MeetAPIView):
    operations = {"post": "generating recording token for room '{roomId}'"}

    @extend_schema(request=RecordingTokenSerializer, responses={200: TokenSerializer}, tags=TAGS)
    def post(self, request: Request, roomId: str) -> Response:  # noqa: N803
        if not _SAFE_ROOM_ID.match(roomId):  # the raw id is a storage key part here
            raise ArchivedRoomNotFoundError(roomId)
        data = request.data
        secret = data.get("secret", UNDEFINED) if isinstance(data, dict) else UNDEFINED
        role, permissions = tokens.recording_token_role(roomId, secret)
        require_room_access(request, role)
        room_id = validated_room_id(roomId)
        self.validated(RecordingTokenSerializer, request.data)
        token = tokens.generate_recording_token(room_id, role, permissions)
        return token_response(
            token,
            cookie=settings.RECORDING_TOKEN_COOKIE,
            max_age=settings.RECORDING_TOKEN_TTL_SECONDS,
            in_cookie=transport_mode(request) == AuthTransportMode.COOKIE,
        )
