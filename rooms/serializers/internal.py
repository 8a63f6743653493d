"""Wire formats of the internal rooms, participants and meetings routes (§5.3-5.5)."""

from __future__ import annotations

from meet.api.fields import EnumField, StringField, ZodSerializer, min_length
from rooms.serializers.public import RoomIdField


class ParticipantTokenSerializer(ZodSerializer):
    roomId = RoomIdField(source="room_id")
    secret = StringField(checks=(min_length(1, "Secret is required"),))
    participantName = StringField(source="participant_name", required=False)
    participantIdentity = StringField(source="participant_identity", required=False)


class ParticipantRoleSerializer(ZodSerializer):
    role = EnumField(("moderator", "speaker"))
