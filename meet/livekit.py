"""The LiveKit server API, as plain synchronous functions over ``livekit-api``.

One lazily started asyncio loop per process (restarted after a fork, so Celery's prefork
children get their own) runs the SDK's aiohttp session; each function submits a coroutine and
waits for it with a timeout. Calls go to ``LIVEKIT_URL_PRIVATE`` (``ws``→``http``).

Every call is bounded: ``MEET_LIVEKIT_TIMEOUT`` in all (connect included; an egress start
gets ``LIVEKIT_EGRESS_START_TIMEOUT_SECONDS``, or less when its caller's deadline is nearer), no
retry; a call that cannot reach LiveKit marks it down for a moment (``meet.breaker``) so the
calls that follow fail at once instead of each waiting out the timeout.

Errors: LiveKit unreachable → ``LiveKitUnavailableError`` (503 ``LiveKit Error`` / ``LiveKit is
not available``), or its subclass ``LiveKitTimeoutError`` when a call outlives its bound; a
Twirp error → ``LiveKitRequestError`` (callers decide; the HTTP layer turns an uncaught one into
the route's 500). "Not found" answers become ``None``/``[]``
where the reference treats them so. Answers come back as our dataclasses
(``meet.livekit_types``), never as protobufs. behavior.md §8 lists every call and field used.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import json
import logging
import os
import secrets
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import urlparse

import aiohttp
from django.conf import settings
from livekit import api
from livekit.api.twirp_client import ServerError
from livekit.protocol import egress as egress_proto
from livekit.protocol import models
from livekit.protocol import room as room_proto

from meet import metrics
from meet.breaker import Breaker
from meet.errors import ServiceUnavailableError
from meet.livekit_types import (
    EGRESS_IN_PROGRESS,
    Egress,
    EgressStatus,
    LiveKitRoom,
    Participant,
    egress_from_proto,
    participant_from_proto,
    room_from_proto,
)

__all__ = ["EGRESS_IN_PROGRESS", "Egress", "EgressStatus", "LiveKitRoom", "Participant"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

EGRESS_ACTIVE = EgressStatus.ACTIVE


class LiveKitUnavailableError(ServiceUnavailableError):
    error = "LiveKit Error"

    def __init__(self, detail: str = "") -> None:
        super().__init__("LiveKit is not available", detail=detail)


class LiveKitTimeoutError(LiveKitUnavailableError):
    """LiveKit took longer than the call's timeout (it may still carry the call out)."""


class LiveKitRequestError(Exception):
    """LiveKit answered with a Twirp error."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status

    @property
    def not_found(self) -> bool:
        return self.code == "not_found" or self.status == 404


def http_url() -> str:
    parsed = urlparse(settings.LIVEKIT_URL_PRIVATE)
    scheme = {"ws": "http", "wss": "https"}.get(parsed.scheme, parsed.scheme)
    return parsed._replace(scheme=scheme).geturl().rstrip("/")


class _Runner:
    """An event loop in a daemon thread holding one ``LiveKitAPI`` client."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="livekit", daemon=True)
        self.thread.start()
        self.client: api.LiveKitAPI | None = None

    async def _client(self) -> api.LiveKitAPI:
        if self.client is None:
            # The SDK sends each request with ``timeout=None``, which switches the session's
            # timeout off: ``run`` bounds every call instead.
            self.client = api.LiveKitAPI(
                http_url(),
                settings.LIVEKIT_API_KEY,
                settings.LIVEKIT_API_SECRET,
                timeout=aiohttp.ClientTimeout(total=settings.MEET_LIVEKIT_TIMEOUT),
                failover=False,
            )
        return self.client

    def run(self, call: Callable[[api.LiveKitAPI], Awaitable[T]], timeout: float) -> T:
        """``call`` on the loop, cancelled after ``timeout`` seconds (``LiveKitTimeoutError``).

        The deadline is ours: the SDK passes ``timeout=None`` to each aiohttp request, which
        turns the session's timeout off."""

        async def invoke() -> T:
            return await asyncio.wait_for(call(await self._client()), timeout)

        future = asyncio.run_coroutine_threadsafe(invoke(), self.loop)
        try:
            # wait_for fires first; this bounds a stuck loop too.
            return future.result(timeout=timeout + 1)
        except TimeoutError as error:
            future.cancel()
            raise LiveKitTimeoutError("no answer in time") from error

    def close(self) -> None:
        """Close the client's session and stop the loop (in the process that started them)."""

        async def close_client() -> None:
            if self.client is not None:
                await self.client.aclose()

        try:
            asyncio.run_coroutine_threadsafe(close_client(), self.loop).result(timeout=5)
        except Exception:  # closing is best effort
            logger.debug("Could not close the LiveKit client", exc_info=True)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        if not self.thread.is_alive():
            self.loop.close()


@functools.cache
def _runner() -> _Runner:
    return _Runner()


breaker = Breaker("LiveKit", lambda: settings.MEET_LIVEKIT_TIMEOUT)


# A forked child must not finalise its parent's runner: the loop's epoll instance and the
# pooled sockets are shared with the parent, and the finalisers would unregister the parent's
# sockets from it (the parent's next call on a kept-alive connection then hangs). Keep them.
_inherited_runners: list[_Runner] = []


def _after_fork_in_child() -> None:
    if _runner.cache_info().currsize:
        _inherited_runners.append(_runner())
    _runner.cache_clear()


atexit.register(lambda: reset_client())  # close the HTTP session before the loop dies
os.register_at_fork(after_in_child=_after_fork_in_child)


def reset_client() -> None:
    """Close and forget the client (tests that change the LiveKit settings call this)."""
    if _runner.cache_info().currsize:
        _runner().close()
    _runner.cache_clear()
    breaker.reset()


def _call(
    call: Callable[[api.LiveKitAPI], Awaitable[T]],
    *,
    timeout: float | None = None,
    slow_is_down: bool = True,
) -> T:
    """One call, bounded by ``timeout`` seconds (default ``MEET_LIVEKIT_TIMEOUT``).

    ``slow_is_down=False``: a call LiveKit may legitimately hold (an egress start waits for an
    egress worker) does not mark LiveKit down when it times out."""
    if not breaker.allow():
        raise LiveKitUnavailableError("marked down after a failed call")
    limit = settings.MEET_LIVEKIT_TIMEOUT if timeout is None else max(0.0, timeout)
    try:
        with metrics.timed_dependency("livekit", answered=(ServerError,)):
            result = _runner().run(call, limit)
    except ServerError as error:
        # LiveKit answered: a Twirp error is the call's failure (the reference turns e.g. an
        # egress start refused for lack of workers into its route's 500), not an outage.
        breaker.succeeded()
        raise LiveKitRequestError(error.code, error.message, error.status) from error
    except (LiveKitTimeoutError, TimeoutError) as error:
        logger.warning("LiveKit at %s did not answer within %.1f s", http_url(), limit)
        if slow_is_down:
            breaker.trip(error)
        if isinstance(error, LiveKitTimeoutError):
            raise
        raise LiveKitTimeoutError("no answer in time") from error
    except (aiohttp.ClientConnectionError, OSError) as error:
        breaker.trip(error)
        logger.warning("LiveKit is not reachable at %s: %s", http_url(), error)
        raise LiveKitUnavailableError(str(error) or type(error).__name__) from error
    breaker.succeeded()
    return result


# --- RoomService ------------------------------------------------------------------------------


def create_room(
    name: str, *, metadata: str = "", empty_timeout: int = 0, max_participants: int = 0
) -> LiveKitRoom:
    """``max_participants`` (0 = no limit): LiveKit refuses further joins once the room holds
    that many participants (egress recorders do not count)."""
    request = room_proto.CreateRoomRequest(name=name, metadata=metadata)
    if empty_timeout:
        request.empty_timeout = empty_timeout
    if max_participants:
        request.max_participants = max_participants
    return room_from_proto(_call(lambda client: client.room.create_room(request)))


def get_room(name: str) -> LiveKitRoom | None:
    response = _call(
        lambda client: client.room.list_rooms(room_proto.ListRoomsRequest(names=[name]))
    )
    return room_from_proto(response.rooms[0]) if response.rooms else None


def list_rooms(names: list[str]) -> list[LiveKitRoom]:
    """The rooms among ``names`` that exist (one ListRooms call)."""
    if not names:
        return []
    response = _call(
        lambda client: client.room.list_rooms(room_proto.ListRoomsRequest(names=names))
    )
    return [room_from_proto(room) for room in response.rooms]


def list_all_rooms() -> list[LiveKitRoom]:
    """Every room LiveKit has now (one ListRooms call without names)."""
    response = _call(lambda client: client.room.list_rooms(room_proto.ListRoomsRequest()))
    return [room_from_proto(room) for room in response.rooms]


def delete_room(name: str) -> None:
    try:
        _call(lambda client: client.room.delete_room(room_proto.DeleteRoomRequest(room=name)))
    except LiveKitRequestError as error:
        if not error.not_found:
            raise


def list_participants(room: str) -> list[Participant]:
    try:
        response = _call(
            lambda client: client.room.list_participants(
                room_proto.ListParticipantsRequest(room=room)
            )
        )
    except LiveKitRequestError as error:
        if error.not_found:
            return []
        raise
    return [participant_from_proto(participant) for participant in response.participants]


def get_participant(room: str, identity: str) -> Participant | None:
    try:
        found = _call(
            lambda client: client.room.get_participant(
                room_proto.RoomParticipantIdentity(room=room, identity=identity)
            )
        )
    except LiveKitRequestError as error:
        if error.not_found:
            return None
        raise
    return participant_from_proto(found)


def update_participant_metadata(room: str, identity: str, metadata: str) -> None:
    _call(
        lambda client: client.room.update_participant(
            room_proto.UpdateParticipantRequest(room=room, identity=identity, metadata=metadata)
        )
    )


def remove_participant(room: str, identity: str) -> None:
    _call(
        lambda client: client.room.remove_participant(
            room_proto.RoomParticipantIdentity(room=room, identity=identity)
        )
    )


def send_data(
    room: str,
    payload: dict[str, Any],
    *,
    topic: str,
    destination_identities: list[str] | None = None,
    destination_sids: list[str] | None = None,
) -> None:
    """A reliable data message (UTF-8 JSON) to everyone, or to the given participants."""
    request = room_proto.SendDataRequest(
        room=room,
        data=json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode(),
        kind=models.DataPacket.Kind.RELIABLE,
        topic=topic,
        destination_identities=destination_identities or [],
        destination_sids=destination_sids or [],
        nonce=secrets.token_bytes(16),
    )
    _call(lambda client: client.room.send_data(request))


# --- Egress -----------------------------------------------------------------------------------


def start_room_composite_egress(
    room_name: str, filepath: str, *, timeout: float | None = None
) -> Egress:
    """``timeout``: give up (``LiveKitTimeoutError``) after that many seconds, if sooner than
    ``LIVEKIT_EGRESS_START_TIMEOUT_SECONDS``."""
    limit: float = settings.LIVEKIT_EGRESS_START_TIMEOUT_SECONDS
    if timeout is not None:
        limit = min(timeout, limit)
    output = egress_proto.EncodedFileOutput(
        file_type=egress_proto.EncodedFileType.DEFAULT_FILETYPE,
        filepath=filepath,
        disable_manifest=True,
    )
    request = egress_proto.RoomCompositeEgressRequest(
        room_name=room_name, layout="grid", file_outputs=[output]
    )
    request.file.CopyFrom(output)
    # LiveKit answers once an egress worker took the request, which can take a few seconds.
    return egress_from_proto(
        _call(
            lambda client: client.egress.start_room_composite_egress(request),
            timeout=limit,
            slow_is_down=False,
        )
    )


def stop_egress(egress_id: str) -> Egress:
    return egress_from_proto(
        _call(
            lambda client: client.egress.stop_egress(
                egress_proto.StopEgressRequest(egress_id=egress_id)
            )
        )
    )


def list_egress(*, room_name: str = "", egress_id: str = "", active: bool = False) -> list[Egress]:
    request = egress_proto.ListEgressRequest(
        room_name=room_name, egress_id=egress_id, active=active
    )
    try:
        response = _call(lambda client: client.egress.list_egress(request))
    except LiveKitRequestError as error:
        if error.not_found or "egress does not exist" in error.message:
            return []
        raise
    return [egress_from_proto(item) for item in response.items]
