from __future__ import annotations

from meet.errors import MeetError


class RecordingError(MeetError):
    error = "Recording Error"


class RecordingNotFoundError(RecordingError):
    status_code = 404

    def __init__(self, recording_id: str) -> None:
        super().__init__(f"Recording '{recording_id}' not found")


class RecordingNotStoppedError(RecordingError):
    status_code = 409

    def __init__(self, recording_id: str) -> None:
        super().__init__(f"Recording '{recording_id}' is not stopped yet")


class RecordingAlreadyStoppedError(RecordingError):
    status_code = 409

    def __init__(self, recording_id: str) -> None:
        super().__init__(f"Recording '{recording_id}' is already stopped")


class RecordingStartingError(RecordingError):
    status_code = 409

    def __init__(self, recording_id: str) -> None:
        super().__init__(f"Recording '{recording_id}' cannot be stopped while starting")


class RoomAlreadyRecordingError(RecordingError):
    status_code = 409

    def __init__(self, room_id: str) -> None:
        super().__init__(f"Room '{room_id}' is already being recorded")


class RoomHasNoParticipantsError(RecordingError):
    status_code = 409

    def __init__(self, room_id: str) -> None:
        super().__init__(f"Room '{room_id}' has no participants")


class RecordingDisabledError(RecordingError):
    status_code = 403

    def __init__(self, room_id: str) -> None:
        super().__init__(f"Recording is disabled for room '{room_id}'")


class RecordingStartTimeoutError(RecordingError):
    status_code = 503

    def __init__(self, room_id: str) -> None:
        super().__init__(f"Recording in room '{room_id}' timed out while starting")


class RangeNotSatisfiableError(RecordingError):
    status_code = 416

    def __init__(self, recording_id: str, size: int) -> None:
        super().__init__(f"Recording '{recording_id}' range not satisfiable. File size: {size}")


class InvalidRecordingSecretError(RecordingError):
    status_code = 400

    def __init__(self, secret: str, recording_id: str) -> None:
        super().__init__(f"Secret '{secret}' is not recognized for recording '{recording_id}'")


class NoRecordingsOfRoomError(RecordingError):
    status_code = 400

    def __init__(self, room_id: str) -> None:
        super().__init__(f"None of the provided recording IDs belong to room '{room_id}'")


class ArchivedRoomNotFoundError(MeetError):
    error = "Room Error"
    status_code = 404

    def __init__(self, room_id: str) -> None:
        super().__init__(
            f"Room metadata for '{room_id}' not found. Room '{room_id}' does not exist or has no "
            "recordings associated"
        )
