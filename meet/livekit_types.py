"""What LiveKit tells us, as our own dataclasses: rooms, participants, egresses, webhook events.

``meet.livekit`` (the server API) and the webhook receiver convert LiveKit's protobuf messages
here, at the boundary; nothing past it sees a protobuf. Only the fields this server reads are
kept (behavior.md §5, §8).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any


class EgressStatus(IntEnum):
    """LiveKit's ``EgressStatus``, same numbers."""

    STARTING = 0
    ACTIVE = 1
    ENDING = 2
    COMPLETE = 3
    FAILED = 4
    ABORTED = 5
    LIMIT_REACHED = 6


EGRESS_IN_PROGRESS = (EgressStatus.STARTING, EgressStatus.ACTIVE, EgressStatus.ENDING)


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveKitRoom:
    name: str
    sid: str = ""
    metadata: str = ""
    num_participants: int = 0
    num_publishers: int = 0
    empty_timeout: int = 0
    max_participants: int = 0
    creation_time_ms: int = 0  # when LiveKit created the room (the meeting's start)


@dataclass(frozen=True, slots=True, kw_only=True)
class Participant:
    identity: str
    sid: str = ""
    name: str = ""
    metadata: str = ""
    is_recorder: bool = False  # ``permission.recorder``: an egress' recorder bot


@dataclass(frozen=True, slots=True, kw_only=True)
class FileResult:
    filename: str
    duration: int = 0  # nanoseconds
    size: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Egress:
    """``EgressInfo``. Times are nanoseconds since the epoch (0 = not set)."""

    egress_id: str
    room_name: str
    status: EgressStatus
    file_results: tuple[FileResult, ...] = ()
    has_stream_results: bool = False
    started_at: int = 0
    updated_at: int = 0
    ended_at: int = 0
    error: str = ""
    error_code: int = 0
    details: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookEvent:
    """A verified LiveKit webhook: the event name and id, and what it is about."""

    event: str
    id: str
    room: LiveKitRoom | None = None
    participant: Participant | None = None
    egress_info: Egress | None = None
    ingress_room_name: str = ""


# --- From LiveKit's protobuf messages -----------------------------------------------------------


def room_from_proto(message: Any) -> LiveKitRoom:
    return LiveKitRoom(
        name=str(message.name),
        sid=str(message.sid),
        metadata=str(message.metadata),
        num_participants=int(message.num_participants),
        num_publishers=int(message.num_publishers),
        empty_timeout=int(message.empty_timeout),
        max_participants=int(message.max_participants),
        creation_time_ms=int(message.creation_time_ms) or int(message.creation_time) * 1000,
    )


def participant_from_proto(message: Any) -> Participant:
    return Participant(
        identity=str(message.identity),
        sid=str(message.sid),
        name=str(message.name),
        metadata=str(message.metadata),
        is_recorder=bool(message.permission.recorder),
    )


def egress_from_proto(message: Any) -> Egress:
    try:
        status = EgressStatus(int(message.status))
    except ValueError:  # a status newer than this server: treat it as failed
        status = EgressStatus.FAILED
    return Egress(
        egress_id=str(message.egress_id),
        room_name=str(message.room_name),
        status=status,
        file_results=tuple(
            FileResult(
                filename=str(result.filename), duration=int(result.duration), size=int(result.size)
            )
            for result in message.file_results
        ),
        has_stream_results=bool(message.stream_results),
        started_at=int(message.started_at),
        updated_at=int(message.updated_at),
        ended_at=int(message.ended_at),
        error=str(message.error),
        error_code=int(message.error_code),
        details=str(message.details),
    )


def webhook_event_from_proto(message: Any) -> WebhookEvent:
    return WebhookEvent(
        event=str(message.event),
        id=str(message.id),
        room=room_from_proto(message.room) if message.HasField("room") else None,
        participant=(
            participant_from_proto(message.participant) if message.HasField("participant") else None
        ),
        egress_info=(
            egress_from_proto(message.egress_info) if message.HasField("egress_info") else None
        ),
        ingress_room_name=(
            str(message.ingress_info.room_name) if message.HasField("ingress_info") else ""
        ),
    )
