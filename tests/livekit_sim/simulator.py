"""``LiveKitSimulator``: the object tests start, drive and inspect."""

from __future__ import annotations

import logging
import threading
from typing import Any

from livekit.protocol import models as models_pb
from livekit.protocol import webhook as webhook_pb

from tests.livekit_sim.config import SimConfig
from tests.livekit_sim.egress import Behavior, EgressManager
from tests.livekit_sim.media import Storage, storage_from_env
from tests.livekit_sim.scheduler import Scheduler
from tests.livekit_sim.state import DataMessage, Rooms
from tests.livekit_sim.webhooks import RecordedEvent, WebhookDispatcher

logger = logging.getLogger(__name__)


class LiveKitSimulator:
    """A LiveKit server (RoomService + Egress over Twirp, webhooks) in a background thread.

    ``storage`` receives the recordings: a ``Storage`` (``S3Storage``, ``LocalStorage``,
    ``MemoryStorage``, ``NullStorage``) or ``"env"`` for ``storage_from_env()``.
    Extra keyword arguments set ``SimConfig`` fields (timeouts, egress delays, ...).
    """

    def __init__(
        self,
        api_key: str = "devkey",
        api_secret: str = "secret",
        *,
        webhook_url: str | None = None,
        storage: Storage | str = "env",
        host: str = "127.0.0.1",
        port: int = 0,
        **config: Any,
    ) -> None:
        self.api_key = api_key
        self.api_secret = api_secret
        self.host = host
        self.port = port
        self.config = SimConfig()
        self.config.update(**config)
        self.storage: Storage = storage_from_env() if storage == "env" else storage  # type: ignore[assignment]
        self.lock = threading.RLock()
        self.scheduler = Scheduler()
        self.webhooks = WebhookDispatcher(
            api_key,
            api_secret,
            webhook_url,
            retries=self.config.webhook_retries,
            retry_delay=self.config.webhook_retry_delay,
            timeout=self.config.webhook_timeout,
        )
        self.rooms = Rooms(self)
        self.egress = EgressManager(self)
        self._http: Any = None

    # lifecycle
    def start(self) -> str:
        """Start serving; returns the base URL (``http://host:port``)."""
        from tests.livekit_sim.server import serve

        self._http = serve(self, self.host, self.port)
        self.port = self._http.server_address[1]
        logger.info("LiveKit simulator listening on %s", self.url)
        return self.url

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
        self.scheduler.stop()
        self.webhooks.stop()

    def __enter__(self) -> LiveKitSimulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    # internal: every webhook goes through here (lock held by the caller)
    def emit(
        self,
        event: str,
        *,
        room: models_pb.Room | None = None,
        participant: models_pb.ParticipantInfo | None = None,
        egress_info: Any = None,
        room_end_reason: int | None = None,
    ) -> RecordedEvent:
        message = webhook_pb.WebhookEvent(event=event)
        if room is not None:
            message.room.CopyFrom(room)
        if participant is not None:
            message.participant.CopyFrom(participant)
        if egress_info is not None:
            message.egress_info.CopyFrom(egress_info)
        if room_end_reason is not None:
            message.room_end_reason = room_end_reason  # type: ignore[assignment]
        return self.webhooks.emit(message)

    # control: participants and rooms
    def add_participant(
        self,
        room: str,
        identity: str,
        *,
        name: str = "",
        metadata: str = "",
        can_publish: bool = True,
        publishing: bool | None = None,
        attributes: dict[str, str] | None = None,
    ) -> models_pb.ParticipantInfo:
        """A client joins (the room is auto-created if needed) → ``participant_joined``.

        A room created with ``max_participants`` that already holds that many (recorders not
        counted) refuses the join: ``TwirpError("resource_exhausted", ...)``, no webhook.

        ``publishing`` (default: ``can_publish``) says whether it publishes tracks, i.e. counts
        in the room's ``num_publishers``.
        """
        permission = models_pb.ParticipantPermission(
            can_subscribe=True, can_publish=can_publish, can_publish_data=True
        )
        return self.rooms.join(
            room,
            identity,
            name=name,
            metadata=metadata,
            permission=permission,
            publisher=can_publish if publishing is None else publishing,
            attributes=attributes,
        )

    def remove_participant(
        self, room: str, identity: str, *, close_if_empty: bool = False
    ) -> models_pb.ParticipantInfo:
        """The client leaves → ``participant_left``; with ``close_if_empty`` the room closes
        now (``room_finished``) if nobody but recorders is left, else after its timeout."""
        return self.rooms.leave(room, identity, close_if_empty=close_if_empty)

    def backdate_room(self, room: str, seconds: float) -> models_pb.Room:
        """Pretend the room was created ``seconds`` earlier (e.g. a meeting that has lasted)."""
        return self.rooms.backdate(room, seconds)

    def close_room(self, room: str) -> None:
        """Close a room as its empty/departure timeout would (no error if it is absent)."""
        self.rooms.close(room)

    def get_room(self, name: str) -> models_pb.Room | None:
        rooms = self.rooms.list([name])
        return rooms[0] if rooms else None

    def participants(self, room: str) -> list[models_pb.ParticipantInfo]:
        return self.rooms.list_participants(room)

    # control: egress behaviour
    def fail_next_egress_start(
        self, code: str = "unavailable", msg: str = "no response from servers"
    ) -> None:
        """The next StartRoomCompositeEgress answers this Twirp error."""
        self.egress.fail_next_start(code, msg)

    def delay_next_egress_start(self, seconds: float) -> None:
        """The next StartRoomCompositeEgress answers only after ``seconds`` (then as usual:
        the egress is created then), as an overloaded egress service would."""
        self.egress.delay_next_start(seconds)

    def fail_next_egress(
        self, error: str = "pipeline failure", error_code: int = 0, *, after: str = "starting"
    ) -> None:
        """The next egress starts, then ends EGRESS_FAILED (before or ``after="active"``)."""
        if after not in ("starting", "active"):
            raise ValueError("after must be 'starting' or 'active'")
        self.egress.set_next_behavior(
            Behavior(mode="fail", error=error, error_code=error_code, after=after)
        )

    def hang_next_egress(self) -> None:
        """The next egress stays EGRESS_STARTING forever (no recorder, no ACTIVE update)."""
        self.egress.set_next_behavior(Behavior(mode="hang"))

    def stale_next_egress(self, backdate_seconds: float = 0.0, on_stop: str = "fail") -> None:
        """The next egress goes ACTIVE, then stops updating (see ``make_egress_stale``)."""
        self.egress.set_next_behavior(
            Behavior(mode="stale", backdate_seconds=backdate_seconds, on_stop=on_stop)
        )

    def make_egress_stale(
        self, egress_id: str, backdate_seconds: float = 0.0, on_stop: str = "fail"
    ) -> None:
        """Freeze an egress: no more transitions or webhooks; ``updated_at`` moved back by
        ``backdate_seconds``. StopEgress then marks it FAILED (``on_stop="fail"``, with an
        ``egress_ended``) or answers ``unavailable`` (``on_stop="error"``)."""
        self.egress.make_stale(egress_id, backdate_seconds, on_stop)

    def get_egress(self, egress_id: str) -> Any:
        return self.egress.get(egress_id)

    # control: webhooks, data, reset
    def set_webhook_url(self, url: str | None) -> None:
        self.webhooks.url = url or None

    def configure(self, **changes: Any) -> None:
        with self.lock:
            self.config.update(**changes)
            self.webhooks.retries = self.config.webhook_retries
            self.webhooks.retry_delay = self.config.webhook_retry_delay
            self.webhooks.timeout = self.config.webhook_timeout

    def recorded_events(self, event: str | None = None) -> list[RecordedEvent]:
        return [r for r in self.webhooks.events() if event is None or r.event == event]

    def events(self, event: str | None = None) -> list[dict[str, Any]]:
        """Payloads (protobuf JSON dicts, as sent) of the emitted webhooks, oldest first."""
        return [r.payload for r in self.recorded_events(event)]

    def event_names(self) -> list[str]:
        return [r.event for r in self.webhooks.events()]

    def wait_for_event(
        self, event: str, predicate: Any = None, timeout: float = 5.0
    ) -> dict[str, Any]:
        """First payload of ``event`` matching ``predicate(payload)``; AssertionError on timeout."""
        record = self.webhooks.wait_for(
            lambda r: r.event == event and (predicate is None or predicate(r.payload)), timeout
        )
        if record is None:
            raise AssertionError(f"no {event} webhook within {timeout}s; got {self.event_names()}")
        return record.payload

    def wait_webhooks_delivered(self, timeout: float = 10.0) -> bool:
        return self.webhooks.wait_idle(timeout)

    def data_messages(self, room: str | None = None) -> list[DataMessage]:
        return self.rooms.data_messages(room)

    def reset(self) -> None:
        """Forget rooms, egresses, events, data messages and pending failures (no webhooks)."""
        with self.lock:
            self.scheduler.cancel_all()
            self.egress.reset()
            self.rooms.reset()
            self.webhooks.reset()

    def state(self) -> dict[str, Any]:
        with self.lock:
            return {
                "rooms": self.rooms.to_json(),
                "egresses": self.egress.to_json(),
                "webhookUrl": self.webhooks.url,
                "config": self.config.to_json(),
            }
