"""Wire formats of the internal recordings routes: start a recording, a recording token."""

from __future__ import annotations

from meet.api.fields import StringField, ZodSerializer, min_length
from rooms.serializers.public import RoomIdField


class StartRecordingSerializer(ZodSerializer):
    roomId = RoomIdField(source="room_id")


class RecordingTokenSerializer(ZodSerializer):
    secret = StringField(checks=(min_length(1, "Secret is required"),))
