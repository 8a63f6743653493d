"""Internal API: room roles, participant and recording tokens, moderator actions (§5.3-5.5)."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.authentication import (
    chain,
    participant_token,
    principal_of,
    read_participant_token,
    transport_mode,
)
from accounts.domain import AuthTransportMode
from accounts.errors import InvalidParticipantTokenError
from meet.api.cookies import token_response
from meet.api.output import MessageSerializer, TokenSerializer, render_many
from meet.api.views import MeetAPIView
from rooms import participants
from rooms.errors import NoParticipantTokenError
from rooms.permissions import check_moderator, require_room_access
from rooms.serializers.internal import (
    ParticipantRoleSerializer,
    ParticipantTokenSerializer,
)
from rooms.serializers.public import RoomRoleSerializer, validated_room_id

TAGS = ["internal rooms"]


def _token_response(request: Request, token: str, cookie: str, max_age: int | None) -> Response:
    in_cookie = transport_mode(request) == AuthTransportMode.COOKIE
    return token_response(token, cookie=cookie, max_age=max_age, in_cookie=in_cookie)


class RoomRolesView(MeetAPIView):
    operations = {"get": "getting room roles and permissions for room '{roomId}'"}

    @extend_schema(responses={200: RoomRoleSerializer(many=True)}, tags=TAGS)
    def get(self, request: Request, roomId: str) -> Response:  # noqa: N803 - route name
        roles = participants.room_roles(validated_room_id(roomId))
        return Response(render_many(RoomRoleSerializer, roles))


class RoomRoleView(MeetAPIView):
    operations = {
        "get": "getting room role and permissions for room '{roomId}' and secret '{secret}'"
    }

    @extend_schema(responses={200: RoomRoleSerializer}, tags=TAGS)
    def get(self, request: Request, roomId: str, secret: str) -> Response:  # noqa: N803
        role = participants.room_role_for_secret(validated_room_id(roomId), secret)
        return self.respond(RoomRoleSerializer, role)


class ParticipantTokenView(MeetAPIView):
    operations = {"post": "generating participant token for room '{roomId}'"}

    @extend_schema(request=ParticipantTokenSerializer, responses={200: TokenSerializer}, tags=TAGS)
    def post(self, request: Request) -> Response:
        data = self.validated(ParticipantTokenSerializer, request.data)
        room, role = participants.resolve_role(data["room_id"], data["secret"])
        require_room_access(request, role)
        token = participants.generate_participant_token(
            room=room,
            role=role,
            participant_name=data.get("participant_name"),
            participant_identity=data.get("participant_identity"),
            previous_token=request.COOKIES.get(settings.PARTICIPANT_TOKEN_COOKIE),
        )
        return _token_response(request, token, settings.PARTICIPANT_TOKEN_COOKIE, None)


class ParticipantTokenRefreshView(MeetAPIView):
    operations = {"post": "refreshing participant token for room '{roomId}'"}

    @extend_schema(request=ParticipantTokenSerializer, responses={200: TokenSerializer}, tags=TAGS)
    def post(self, request: Request) -> Response:
        data = self.validated(ParticipantTokenSerializer, request.data)
        room, role = participants.resolve_role(data["room_id"], data["secret"])
        require_room_access(request, role)
        previous = read_participant_token(request)
        if not previous:
            raise NoParticipantTokenError()
        previous_roles = participants.roles_of_previous_token(previous, room.room_id)
        if previous_roles is None:
            raise InvalidParticipantTokenError()
        token = participants.refresh_participant_token(
            room=room,
            role=role,
            participant_name=data.get("participant_name"),
            participant_identity=data.get("participant_identity"),
            previous_roles=previous_roles,
        )
        return _token_response(request, token, settings.PARTICIPANT_TOKEN_COOKIE, None)


class MeetingView(MeetAPIView):
    authentication_classes = chain(participant_token)
    operations = {"delete": "ending meeting from room '{roomId}'"}

    @extend_schema(responses={200: MessageSerializer}, tags=["meetings"])
    def delete(self, request: Request, roomId: str) -> Response:  # noqa: N803
        room_id = validated_room_id(roomId)
        check_moderator(principal_of(request), room_id)
        participants.end_meeting(room_id)
        message = f"Meeting in room '{room_id}' ended successfully"
        return self.respond(MessageSerializer, {"message": message})


class MeetingParticipantView(MeetAPIView):
    authentication_classes = chain(participant_token)
    operations = {"delete": "kicking participant '{participantIdentity}' from room '{roomId}'"}

    @extend_schema(responses={200: MessageSerializer}, tags=["meetings"])
    def delete(self, request: Request, roomId: str, participantIdentity: str) -> Response:  # noqa: N803
        room_id = validated_room_id(roomId)
        check_moderator(principal_of(request), room_id)
        participants.kick_participant(room_id, participantIdentity)
        message = f"Participant '{participantIdentity}' kicked successfully from room '{room_id}'"
        return self.respond(MessageSerializer, {"message": message})


class MeetingParticipantRoleView(MeetAPIView):
    authentication_classes = chain(participant_token)
    operations = {"put": "changing role for participant '{participantIdentity}' in room '{roomId}'"}

    @extend_schema(
        request=ParticipantRoleSerializer, responses={200: MessageSerializer}, tags=["meetings"]
    )
    def put(self, request: Request, roomId: str, participantIdentity: str) -> Response:  # noqa: N803
        room_id = validated_room_id(roomId)
        check_moderator(principal_of(request), room_id)
        role = self.validated(ParticipantRoleSerializer, request.data)["role"]
        participants.change_participant_role(room_id, participantIdentity, role)
        message = f"Participant '{participantIdentity}' role updated to '{role}'"
        return self.respond(MessageSerializer, {"message": message})
