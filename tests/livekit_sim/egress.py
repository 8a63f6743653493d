"""Room composite egresses recording to a file, with the lifecycle LiveKit Egress goes through.

Start: the reply says EGRESS_STARTING; ``egress_started`` is emitted at once; after
``egress_active_delay`` the recorder participant (identity = egress id, kind EGRESS,
``permission.recorder``) joins and ``egress_updated`` says ACTIVE. StopEgress on an ACTIVE egress:
ENDING (reply and ``egress_updated``, details ``End reason: StopEgress API``); after
``egress_stop_delay`` the recorder leaves, the MP4 is uploaded to ``{filepath}.mp4`` and
``egress_ended`` says COMPLETE with ``endedAt``, duration, size and location. StopEgress on a
STARTING egress aborts it (EGRESS_ABORTED), as LiveKit Egress does. Closing the room ends its
egresses (``End reason: Source closed``). Test hooks make egresses fail, hang or go stale.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from google.protobuf import json_format
from livekit.protocol import egress as egress_pb
from livekit.protocol import models as models_pb

from tests.livekit_sim.media import mp4_bytes
from tests.livekit_sim.twirp import TwirpError
from tests.livekit_sim.webhooks import new_id

if TYPE_CHECKING:
    from tests.livekit_sim.scheduler import Timer
    from tests.livekit_sim.simulator import LiveKitSimulator

logger = logging.getLogger(__name__)

E = egress_pb.EgressStatus
IN_PROGRESS = (E.EGRESS_STARTING, E.EGRESS_ACTIVE, E.EGRESS_ENDING)
END_REASON_API = "End reason: StopEgress API"
END_REASON_SOURCE_CLOSED = "End reason: Source closed"
MSG_STOPPED_BEFORE_STARTED = "Stop called before pipeline could start"
NO_RESPONSE = "no response from servers"


@dataclass
class Behavior:
    """What an egress does after StartRoomCompositeEgress answered."""

    mode: str = "normal"  # normal | fail | hang | stale
    error: str = ""
    error_code: int = 0
    after: str = "starting"  # fail: before ("starting") or after going ACTIVE ("active")
    backdate_seconds: float = 0.0  # stale
    on_stop: str = "fail"  # stale: StopEgress marks it FAILED ("fail") or errors ("error")


@dataclass
class SimEgress:
    info: egress_pb.EgressInfo
    key: str  # storage key of the media file
    behavior: Behavior
    stale: bool = False
    recorder: str = ""
    timers: list[Timer] = field(default_factory=list)

    def cancel_timers(self) -> None:
        for timer in self.timers:
            timer.cancel()
        self.timers.clear()


def _now_ns() -> int:
    return time.time_ns()


def _copy(info: egress_pb.EgressInfo) -> egress_pb.EgressInfo:
    clone = egress_pb.EgressInfo()
    clone.CopyFrom(info)
    return clone


def media_filename(filepath: str, room_name: str, room_id: str) -> str:
    """Egress's file naming: template variables, default name, ``.mp4`` appended if missing."""
    stamp = time.strftime("%Y-%m-%dT%H%M%S", time.gmtime())
    path = filepath or "{room_name}-{time}"
    if path.endswith("/"):
        path += "{room_name}-{time}"
    for variable, value in (("{room_name}", room_name), ("{room_id}", room_id), ("{time}", stamp)):
        path = path.replace(variable, value)
    return path if path.endswith(".mp4") else path + ".mp4"


class EgressManager:
    def __init__(self, sim: LiveKitSimulator) -> None:
        self.sim = sim
        self._egresses: dict[str, SimEgress] = {}
        self._start_errors: list[TwirpError] = []
        self._start_delays: list[float] = []
        self._behaviors: list[Behavior] = []

    # test hooks
    def fail_next_start(self, code: str = "unavailable", msg: str = NO_RESPONSE) -> None:
        with self.sim.lock:
            self._start_errors.append(TwirpError(code, msg))

    def delay_next_start(self, seconds: float) -> None:
        with self.sim.lock:
            self._start_delays.append(seconds)

    def set_next_behavior(self, behavior: Behavior) -> None:
        with self.sim.lock:
            self._behaviors.append(behavior)

    def make_stale(
        self, egress_id: str, backdate_seconds: float = 0.0, on_stop: str = "fail"
    ) -> None:
        with self.sim.lock:
            egress = self._require(egress_id)
            self._go_stale(
                egress, Behavior(mode="stale", backdate_seconds=backdate_seconds, on_stop=on_stop)
            )

    def _go_stale(self, egress: SimEgress, behavior: Behavior) -> None:
        if behavior.on_stop not in ("fail", "error"):
            raise ValueError("on_stop must be 'fail' or 'error'")
        egress.cancel_timers()
        egress.stale = True
        egress.behavior = behavior
        egress.info.updated_at -= int(behavior.backdate_seconds * 1e9)
        logger.info("egress %s is stale", egress.info.egress_id)

    # queries
    def get(self, egress_id: str) -> egress_pb.EgressInfo | None:
        with self.sim.lock:
            egress = self._egresses.get(egress_id)
            return _copy(egress.info) if egress else None

    def _require(self, egress_id: str) -> SimEgress:
        egress = self._egresses.get(egress_id)
        if egress is None:
            raise TwirpError("not_found", "egress does not exist")
        return egress

    def list(self, req: egress_pb.ListEgressRequest) -> list[egress_pb.EgressInfo]:
        with self.sim.lock:
            if req.egress_id:  # LiveKit ignores room_name when an egress id is given
                egresses = [self._require(req.egress_id)]
            else:
                egresses = [
                    e
                    for e in self._egresses.values()
                    if not req.room_name or e.info.room_name == req.room_name
                ]
            return [
                _copy(e.info) for e in egresses if not req.active or e.info.status in IN_PROGRESS
            ]

    # Egress service
    def start_room_composite(
        self, req: egress_pb.RoomCompositeEgressRequest
    ) -> egress_pb.EgressInfo:
        with self.sim.lock:
            delay = self._start_delays.pop(0) if self._start_delays else 0.0
        if delay:  # a slow egress service: nothing else waits for this call
            time.sleep(delay)
        with self.sim.lock:
            if self._start_errors:
                raise self._start_errors.pop(0)
            if not req.room_name:
                raise TwirpError("invalid_argument", "room name is required")
            room = self.sim.rooms.require(req.room_name)
            if req.HasField("file"):
                output = req.file
            elif req.file_outputs:
                output = req.file_outputs[0]
            else:
                raise TwirpError(
                    "invalid_argument",
                    "the LiveKit simulator only records to files (no file output)",
                )
            now = _now_ns()
            info = egress_pb.EgressInfo(
                egress_id=new_id("EG_"),
                room_id=room.proto.sid,
                room_name=req.room_name,
                source_type=egress_pb.EGRESS_SOURCE_TYPE_WEB,
                status=E.EGRESS_STARTING,
                started_at=now,
                updated_at=now,
            )
            info.room_composite.CopyFrom(req)
            filename = media_filename(output.filepath, room.proto.name, room.proto.sid)
            info.file_results.add(filename=filename)
            if req.HasField("file"):
                info.file.CopyFrom(info.file_results[0])  # deprecated result field
            behavior = self._behaviors.pop(0) if self._behaviors else Behavior()
            egress = SimEgress(info=info, key=filename, behavior=behavior)
            self._egresses[info.egress_id] = egress
            logger.info("egress %s started for %s -> %s", info.egress_id, req.room_name, filename)
            self._emit("egress_started", egress)
            config = self.sim.config
            if behavior.mode == "fail" and behavior.after == "starting":
                self._later(egress, config.egress_fail_delay, self._fail)
            elif behavior.mode != "hang":
                self._later(egress, config.egress_active_delay, self._activate)
            return _copy(info)

    def stop(self, egress_id: str) -> egress_pb.EgressInfo:
        with self.sim.lock:
            egress = self._require(egress_id)
            info = egress.info
            if egress.stale:
                if egress.behavior.on_stop == "error":
                    raise TwirpError("unavailable", NO_RESPONSE)
                if info.status in IN_PROGRESS:
                    self._finish(
                        egress, E.EGRESS_FAILED, error=f"Failed to stop egress: {NO_RESPONSE}"
                    )
                return _copy(info)
            if info.status not in (E.EGRESS_STARTING, E.EGRESS_ACTIVE):
                raise TwirpError(
                    "failed_precondition",
                    f"egress with status {E.Name(info.status)} cannot be stopped",
                )
            self._end(egress, END_REASON_API)
            return _copy(info)

    def on_room_closed(self, room_name: str) -> None:
        with self.sim.lock:
            for egress in list(self._egresses.values()):
                if egress.info.room_name != room_name or egress.stale:
                    continue
                egress.recorder = ""  # it left with everybody else
                if egress.info.status in (E.EGRESS_STARTING, E.EGRESS_ACTIVE):
                    self._end(egress, END_REASON_SOURCE_CLOSED)

    def reset(self) -> None:
        with self.sim.lock:
            for egress in self._egresses.values():
                egress.cancel_timers()
            self._egresses.clear()
            self._start_errors.clear()
            self._start_delays.clear()
            self._behaviors.clear()

    def to_json(self) -> list[dict[str, Any]]:
        with self.sim.lock:
            return [
                {**json_format.MessageToDict(e.info), "stale": e.stale}
                for e in self._egresses.values()
            ]

    # transitions (lock held)
    def _emit(self, event: str, egress: SimEgress) -> None:
        self.sim.emit(event, egress_info=_copy(egress.info))

    def _later(self, egress: SimEgress, delay: float, step: Any, *, thread: bool = False) -> None:
        def run(egress_id: str) -> None:
            if thread:  # uploads must not hold up the other timers
                threading.Thread(target=step, args=(egress_id,), daemon=True).start()
            else:
                step(egress_id)

        egress.timers.append(self.sim.scheduler.call_later(delay, run, egress.info.egress_id))

    def _current(self, egress_id: str, *statuses: int) -> SimEgress | None:
        egress = self._egresses.get(egress_id)
        if egress is None or egress.stale or egress.info.status not in statuses:
            return None
        return egress

    def _activate(self, egress_id: str) -> None:
        with self.sim.lock:
            egress = self._current(egress_id, E.EGRESS_STARTING)
            if egress is None or self.sim.rooms.get(egress.info.room_name) is None:
                return
            self.sim.rooms.join(
                egress.info.room_name,
                egress_id,
                permission=models_pb.ParticipantPermission(
                    can_subscribe=True, hidden=True, recorder=True
                ),
                kind=models_pb.ParticipantInfo.EGRESS,
                publisher=False,
            )
            egress.recorder = egress_id
            now = _now_ns()
            egress.info.status = E.EGRESS_ACTIVE
            egress.info.updated_at = now
            egress.info.file_results[0].started_at = now
            self._emit("egress_updated", egress)
            behavior = egress.behavior
            if behavior.mode == "fail":
                self._later(egress, self.sim.config.egress_fail_delay, self._fail)
            elif behavior.mode == "stale":
                self._go_stale(egress, behavior)

    def _end(self, egress: SimEgress, reason: str) -> None:
        egress.cancel_timers()
        egress.info.details = reason
        if egress.info.status == E.EGRESS_STARTING:
            self._finish(egress, E.EGRESS_ABORTED, error=MSG_STOPPED_BEFORE_STARTED)
            return
        egress.info.status = E.EGRESS_ENDING
        egress.info.updated_at = _now_ns()
        self._emit("egress_updated", egress)
        self._later(egress, self.sim.config.egress_stop_delay, self._complete, thread=True)

    def _fail(self, egress_id: str) -> None:
        with self.sim.lock:
            egress = self._current(egress_id, E.EGRESS_STARTING, E.EGRESS_ACTIVE)
            if egress is not None:
                behavior = egress.behavior
                self._finish(
                    egress,
                    E.EGRESS_FAILED,
                    error=behavior.error or "pipeline failure",
                    error_code=behavior.error_code,
                )

    def _recorder_leaves(self, egress: SimEgress) -> None:
        if egress.recorder:
            room, egress.recorder = egress.info.room_name, ""
            try:
                self.sim.rooms.leave(room, egress.info.egress_id)
            except TwirpError:
                pass

    def _finish(
        self, egress: SimEgress, status: int, *, error: str = "", error_code: int = 0
    ) -> None:
        egress.cancel_timers()
        self._recorder_leaves(egress)
        now = _now_ns()
        info = egress.info
        info.status = status  # type: ignore[assignment]
        info.error = error
        info.error_code = error_code
        info.ended_at = info.updated_at = now
        self._emit("egress_ended", egress)

    def _complete(self, egress_id: str) -> None:
        with self.sim.lock:
            egress = self._current(egress_id, E.EGRESS_ENDING)
            if egress is None:
                return
            self._recorder_leaves(egress)
            key, size = egress.key, self.sim.config.mp4_size
        data = mp4_bytes(size)
        location, error = "", ""
        try:
            location = self.sim.storage.put(key, data)
        except Exception as exc:
            logger.warning("egress %s: upload of %s failed: %s", egress_id, key, exc)
            error = f"upload failed: {exc}"
        with self.sim.lock:
            egress = self._current(egress_id, E.EGRESS_ENDING)
            if egress is None:
                return
            now = _now_ns()
            result = egress.info.file_results[0]
            result.ended_at = now
            result.duration = now - (result.started_at or egress.info.started_at)
            result.size = len(data)
            result.location = location
            if egress.info.HasField("file"):
                egress.info.file.CopyFrom(result)
            if error:
                self._finish(egress, E.EGRESS_FAILED, error=error)
            else:
                self._finish(egress, E.EGRESS_COMPLETE)
            logger.info("egress %s ended: %s", egress_id, E.Name(egress.info.status))
