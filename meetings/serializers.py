"""Wire formats of the meetings app's routes: room deletion outcomes (api-contract.md §4.5).

The routes' inputs and the room itself are the rooms app's serializers."""

from __future__ import annotations

from typing import Any

from meet.api import output
from rooms.serializers.public import RoomSerializer


class RoomDeletionSerializer(output.OutputSerializer):
    """``DELETE /rooms/{roomId}``: the success code, its message and the room when it is kept."""

    successCode = output.Text(source="code")
    message = output.Text()
    room = RoomSerializer(required=False)
    omit_when_none = frozenset({"room"})


class RoomDeletionItemSerializer(output.OutputSerializer):
    roomId = output.Text(source="room_id")
    successCode = output.Text(source="code")
    message = output.Text()
    room = RoomSerializer(required=False)
    omit_when_none = frozenset({"room"})


class RoomDeletionFailureSerializer(output.OutputSerializer):
    roomId = output.Text(source="room_id")
    error = output.Text()
    message = output.Text()


class BulkRoomDeletionSerializer(output.OutputSerializer):
    """``DELETE /rooms`` when every room was processed (200)."""

    message = output.Text()
    successful = RoomDeletionItemSerializer(many=True)


class BulkRoomDeletionFailureSerializer(BulkRoomDeletionSerializer):
    """``DELETE /rooms`` when a room failed (400)."""

    failed = RoomDeletionFailureSerializer(many=True)


def bulk_deletion(result: Any) -> tuple[type[output.OutputSerializer], dict[str, Any], int]:
    """The serializer, body and status of a ``BulkDeletionResult``."""
    if not result.failed:
        body = {
            "message": "All rooms successfully processed for deletion",
            "successful": result.successful,
        }
        return BulkRoomDeletionSerializer, body, 200
    return (
        BulkRoomDeletionFailureSerializer,
        {
            "message": f"{len(result.failed)} room(s) failed to process while deleting",
            "successful": result.successful,
            "failed": [
                {"room_id": room_id, "error": error.error, "message": error.message}
                for room_id, error in result.failed
            ],
        },
        400,
    )
