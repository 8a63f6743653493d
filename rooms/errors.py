from __future__ import annotations

from meet.errors import MeetError


class RoomError(MeetError):
    error = "Room Error"


class RoomNotFoundError(RoomError):
    status_code = 404

    def __init__(self, room_id: str) -> None:
        super().__init__(f"Room '{room_id}' does not exist")


class RoomClosedError(RoomError):
    status_code = 409

    def __init__(self, room_id: str) -> None:
        super().__init__(f"Room '{room_id}' is closed and cannot be joined")


class InvalidRoomSecretError(RoomError):
    status_code = 400

    def __init__(self, secret: str, room_id: str) -> None:
        super().__init__(f"Secret '{secret}' is not recognized for room '{room_id}'")


class RoomDeletionConflictError(MeetError):
    """409 whose ``error`` is the snake_case deletion code (api-contract.md §4.5)."""

    status_code = 409

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.error = code


class ParticipantNotFoundError(MeetError):
    status_code = 404
    error = "Participant Error"

    def __init__(self, identity: str, room_id: str) -> None:
        super().__init__(f"Participant '{identity}' not found in room '{room_id}'")


class NoParticipantIdentityError(MeetError):
    status_code = 400
    error = "Participant Error"

    def __init__(self) -> None:
        super().__init__("No participant identity provided")


class NoParticipantTokenError(MeetError):
    status_code = 400
    error = "Participant Error"

    def __init__(self) -> None:
        super().__init__("No participant token provided")
