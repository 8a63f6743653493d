"""Rooms, participants and data messages, with LiveKit's room lifetime rules.

Every public method takes the simulator lock; webhooks are emitted while it is held, so their
order is the order of the state changes. A room that nobody ever joined closes
``empty_timeout`` s after its creation; once participants have come and gone it closes
``departure_timeout`` s after the last one left. Egress recorders are "dependent" participants,
as in LiveKit: they never keep a room open.
"""

from __future__ import annotations

import base64
import json
import logging
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from google.protobuf import json_format
from livekit.protocol import models as models_pb
from livekit.protocol import room as room_pb

from tests.livekit_sim.twirp import TwirpError
from tests.livekit_sim.webhooks import new_id

if TYPE_CHECKING:
    from tests.livekit_sim.scheduler import Timer
    from tests.livekit_sim.simulator import LiveKitSimulator

logger = logging.getLogger(__name__)

P = models_pb.ParticipantInfo
ENABLED_CODECS = ["audio/opus", "audio/red", "video/VP8", "video/H264", "video/VP9", "video/AV1"]


def room_not_found() -> TwirpError:
    return TwirpError("not_found", "requested room does not exist")


def max_participants_exceeded() -> TwirpError:
    """LiveKit's ``ErrMaxParticipantsExceeded``: the join is refused (the client's signal
    connection fails with it)."""
    return TwirpError("resource_exhausted", "room has exceeded its max participants")


def participant_not_found() -> TwirpError:
    return TwirpError("not_found", "participant does not exist")


@dataclass
class DataMessage:
    """One SendData call, as a test wants to inspect it."""

    room: str
    data: bytes
    topic: str
    kind: str
    destination_sids: list[str]
    destination_identities: list[str]
    nonce: bytes
    timestamp: float

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.data)

    def to_json(self) -> dict[str, Any]:
        return {
            "room": self.room,
            "data": self.text,
            "dataBase64": base64.b64encode(self.data).decode(),
            "topic": self.topic,
            "kind": self.kind,
            "destinationSids": self.destination_sids,
            "destinationIdentities": self.destination_identities,
            "nonce": self.nonce.hex(),
            "timestamp": self.timestamp,
        }


@dataclass
class SimRoom:
    proto: models_pb.Room
    empty_timeout: float
    departure_timeout: float
    created_at: float
    participants: dict[str, models_pb.ParticipantInfo] = field(default_factory=dict)
    first_joined_at: float = 0.0
    last_left_at: float = 0.0
    close_timer: Timer | None = None

    def has_independent_participants(self) -> bool:
        return any(p.kind not in (P.EGRESS, P.AGENT) for p in self.participants.values())


class Rooms:
    def __init__(self, sim: LiveKitSimulator) -> None:
        self.sim = sim
        self._rooms: dict[str, SimRoom] = {}
        self._data: list[DataMessage] = []

    # queries
    def get(self, name: str) -> SimRoom | None:
        return self._rooms.get(name)

    def require(self, name: str) -> SimRoom:
        room = self._rooms.get(name)
        if room is None:
            raise room_not_found()
        return room

    def snapshot(self, room: SimRoom) -> models_pb.Room:
        proto = models_pb.Room()
        proto.CopyFrom(room.proto)
        proto.num_participants = len(room.participants)
        proto.num_publishers = sum(1 for p in room.participants.values() if p.is_publisher)
        proto.active_recording = any(p.permission.recorder for p in room.participants.values())
        return proto

    def list(self, names: list[str] | None = None) -> list[models_pb.Room]:
        with self.sim.lock:
            wanted = set(names or [])
            return [
                self.snapshot(room)
                for name, room in self._rooms.items()
                if not wanted or name in wanted
            ]

    def data_messages(self, room: str | None = None) -> list[DataMessage]:
        with self.sim.lock:
            return [m for m in self._data if room is None or m.room == room]

    # RoomService
    def create(self, req: room_pb.CreateRoomRequest) -> models_pb.Room:
        if not req.name:
            raise TwirpError("invalid_argument", "room name is required")
        with self.sim.lock:
            room = self._rooms.get(req.name)
            created = room is None
            if room is None:
                room = self._new_room(req.name, announce=False)
            if req.empty_timeout:
                room.empty_timeout = room.proto.empty_timeout = req.empty_timeout
            if req.departure_timeout:
                room.departure_timeout = room.proto.departure_timeout = req.departure_timeout
            if req.max_participants:
                room.proto.max_participants = req.max_participants
            if req.metadata:
                room.proto.metadata = req.metadata
            self._arm_close(room)
            if created:  # room_started carries the metadata of the creating request
                self.sim.emit("room_started", room=self.snapshot(room))
            return self.snapshot(room)

    def _new_room(self, name: str, *, announce: bool = True) -> SimRoom:
        config = self.sim.config
        now = time.time()
        proto = models_pb.Room(
            sid=new_id("RM_"),
            name=name,
            empty_timeout=math.ceil(config.empty_timeout),
            departure_timeout=math.ceil(config.departure_timeout),
            creation_time=int(now),
            creation_time_ms=int(now * 1000),
            turn_password=new_id(""),
        )
        proto.enabled_codecs.extend(models_pb.Codec(mime=mime) for mime in ENABLED_CODECS)
        room = SimRoom(
            proto=proto,
            empty_timeout=config.empty_timeout,
            departure_timeout=config.departure_timeout,
            created_at=now,
        )
        self._rooms[name] = room
        logger.info("room %s created (%s)", name, proto.sid)
        if announce:
            self.sim.emit("room_started", room=self.snapshot(room))
        return room

    def delete(self, name: str) -> None:
        with self.sim.lock:
            self.require(name)
            self.close(name, models_pb.ROOM_END_API_DELETE, models_pb.ROOM_DELETED)

    def backdate(self, name: str, seconds: float) -> models_pb.Room:
        """Test control: move the room's creation ``seconds`` into the past (its
        ``creation_time``/``creation_time_ms`` and its empty-timeout clock)."""
        with self.sim.lock:
            room = self.require(name)
            room.created_at -= seconds
            room.proto.creation_time -= int(seconds)
            room.proto.creation_time_ms -= int(seconds * 1000)
            self._arm_close(room)
            return self.snapshot(room)

    def update_metadata(self, name: str, metadata: str) -> models_pb.Room:
        with self.sim.lock:
            room = self.require(name)
            room.proto.metadata = metadata
            return self.snapshot(room)

    def list_participants(self, name: str) -> list[models_pb.ParticipantInfo]:
        with self.sim.lock:
            room = self._rooms.get(name)  # LiveKit answers an empty list for unknown rooms
            return [_copy(p) for p in room.participants.values()] if room else []

    def get_participant(self, name: str, identity: str) -> models_pb.ParticipantInfo:
        with self.sim.lock:
            room = self._rooms.get(name)
            if room is None or identity not in room.participants:
                raise participant_not_found()
            return _copy(room.participants[identity])

    def update_participant(
        self, req: room_pb.UpdateParticipantRequest
    ) -> models_pb.ParticipantInfo:
        with self.sim.lock:
            room = self._rooms.get(req.room)
            if room is None or req.identity not in room.participants:
                raise participant_not_found()
            participant = room.participants[req.identity]
            if req.metadata:
                participant.metadata = req.metadata
            if req.name:
                participant.name = req.name
            if req.HasField("permission"):
                participant.permission.CopyFrom(req.permission)
                if not req.permission.can_publish:
                    participant.is_publisher = False  # its tracks get unpublished
            for key, value in req.attributes.items():
                if value:
                    participant.attributes[key] = value
                else:
                    participant.attributes.pop(key, None)
            participant.version += 1
            return _copy(participant)

    def remove_participant(self, name: str, identity: str) -> None:
        with self.sim.lock:
            room = self._rooms.get(name)
            if room is None or identity not in room.participants:
                raise TwirpError("not_found", "participant not found")
            self.leave(name, identity, models_pb.PARTICIPANT_REMOVED)

    def send_data(self, req: room_pb.SendDataRequest) -> None:
        with self.sim.lock:
            self.require(req.room)
            message = DataMessage(
                room=req.room,
                data=bytes(req.data),
                topic=req.topic if req.HasField("topic") else "",
                kind=models_pb.DataPacket.Kind.Name(req.kind),
                destination_sids=list(req.destination_sids),
                destination_identities=list(req.destination_identities),
                nonce=bytes(req.nonce),
                timestamp=time.time(),
            )
            self._data.append(message)
            logger.debug("data to %s topic=%s: %s", req.room, message.topic, message.text)

    # participants coming and going (control API, egress recorders)
    def join(
        self,
        room_name: str,
        identity: str,
        *,
        name: str = "",
        metadata: str = "",
        permission: models_pb.ParticipantPermission | None = None,
        kind: int = P.STANDARD,
        publisher: bool = True,
        attributes: dict[str, str] | None = None,
    ) -> models_pb.ParticipantInfo:
        if not identity:
            raise TwirpError("invalid_argument", "participant identity is required")
        with self.sim.lock:
            room = self._rooms.get(room_name) or self._new_room(room_name)  # auto_create
            if identity in room.participants:
                self.leave(room_name, identity, models_pb.DUPLICATE_IDENTITY)
                room = self._rooms.get(room_name) or self._new_room(room_name)
            if kind not in (P.EGRESS, P.AGENT) and room.proto.max_participants:
                # LiveKit's Room.Join: dependent participants (egress, agents) never count.
                independent = sum(
                    1 for p in room.participants.values() if p.kind not in (P.EGRESS, P.AGENT)
                )
                if independent >= room.proto.max_participants:
                    logger.info("participant %s refused: %s is full", identity, room_name)
                    raise max_participants_exceeded()
            if permission is None:
                permission = models_pb.ParticipantPermission(
                    can_subscribe=True, can_publish=True, can_publish_data=True
                )
            now = time.time()
            participant = models_pb.ParticipantInfo(
                sid=new_id("PA_"),
                identity=identity,
                name=name,
                metadata=metadata,
                state=P.ACTIVE,
                joined_at=int(now),
                joined_at_ms=int(now * 1000),
                version=1,
                permission=permission,
                is_publisher=publisher and permission.can_publish,
                kind=kind,
                attributes=attributes or {},
            )
            room.participants[identity] = participant
            room.first_joined_at = room.first_joined_at or now
            self._arm_close(room)
            logger.info("participant %s joined %s", identity, room_name)
            self.sim.emit("participant_joined", room=self.snapshot(room), participant=participant)
            return _copy(participant)

    def leave(
        self,
        room_name: str,
        identity: str,
        reason: int = models_pb.CLIENT_INITIATED,
        *,
        close_if_empty: bool = False,
    ) -> models_pb.ParticipantInfo:
        with self.sim.lock:
            room = self._rooms.get(room_name)
            if room is None or identity not in room.participants:
                raise participant_not_found()
            participant = room.participants.pop(identity)
            participant.state = P.DISCONNECTED
            participant.disconnect_reason = reason  # type: ignore[assignment]
            room.last_left_at = time.time()
            logger.info("participant %s left %s", identity, room_name)
            self.sim.emit("participant_left", room=self.snapshot(room), participant=participant)
            if close_if_empty and not room.has_independent_participants():
                self.close(room_name, models_pb.ROOM_END_IDLE_TIMEOUT)
            else:
                self._arm_close(room)
            return _copy(participant)

    # closing
    def close(
        self,
        name: str,
        end_reason: int = models_pb.ROOM_END_IDLE_TIMEOUT,
        disconnect_reason: int = models_pb.ROOM_CLOSED,
    ) -> None:
        """Close a room now: everyone leaves, ``room_finished``, then its egresses end."""
        with self.sim.lock:
            room = self._rooms.get(name)
            if room is None:
                return
            if room.close_timer:
                room.close_timer.cancel()
                room.close_timer = None
            for identity in list(room.participants):
                participant = room.participants.pop(identity)
                participant.state = P.DISCONNECTED
                participant.disconnect_reason = disconnect_reason  # type: ignore[assignment]
                self.sim.emit("participant_left", room=self.snapshot(room), participant=participant)
            finished = self.snapshot(room)
            del self._rooms[name]
            logger.info("room %s finished", name)
            self.sim.emit("room_finished", room=finished, room_end_reason=end_reason)
            self.sim.egress.on_room_closed(name)

    def _arm_close(self, room: SimRoom) -> None:
        if room.close_timer:
            room.close_timer.cancel()
            room.close_timer = None
        if room.has_independent_participants():
            return
        if room.first_joined_at and room.last_left_at:
            deadline = room.last_left_at + room.departure_timeout
        else:
            deadline = room.created_at + room.empty_timeout
        room.close_timer = self.sim.scheduler.call_later(
            deadline - time.time(), self._close_if_still_empty, room.proto.sid, room.proto.name
        )

    def _close_if_still_empty(self, sid: str, name: str) -> None:
        with self.sim.lock:
            room = self._rooms.get(name)
            if room is None or room.proto.sid != sid:
                return
            room.close_timer = None
            if not room.has_independent_participants():
                self.close(name, models_pb.ROOM_END_IDLE_TIMEOUT)

    def reset(self) -> None:
        with self.sim.lock:
            for room in self._rooms.values():
                if room.close_timer:
                    room.close_timer.cancel()
            self._rooms.clear()
            self._data.clear()

    def to_json(self) -> list[dict[str, Any]]:
        with self.sim.lock:
            return [
                {
                    **json_format.MessageToDict(self.snapshot(room)),
                    "participants": [
                        json_format.MessageToDict(p) for p in room.participants.values()
                    ],
                }
                for room in self._rooms.values()
            ]


def _copy(participant: models_pb.ParticipantInfo) -> models_pb.ParticipantInfo:
    clone = models_pb.ParticipantInfo()
    clone.CopyFrom(participant)
    return clone
