"""Rooms as ``rooms/{roomId}/{roomId}.json``, cached in Redis under ``ov_meet:room:{roomId}``.

Single reads are cache-first (the reference's hybrid cache). Reads that only answer a request
(``get(cached=True)``: the room's page, participant tokens) may also come from the process's
short-lived copy (``meet.local_cache``), dropped everywhere when the room is saved or deleted;
read-modify-write paths always read Redis/storage. Listings page through storage with
continuation tokens (never the whole bucket) and read the page's rooms from Redis in one
``MGET``, falling back to parallel storage reads for the misses. Listings that only answer a
request (``list(cached=True)``) may take the page of keys from ``meet.listing_cache``, left
behind by every save and delete.
"""

from __future__ import annotations

import builtins
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from meet import cache, listing_cache, local_cache, redis_keys
from meet.pagination import Page
from meet.redis_connection import RedisError, redis
from meet.storage import KeyPage, get_object_store, keys
from rooms.domain import (
    AutoDeletionPolicy,
    MeetingEndAction,
    RecordingAccess,
    RecordingConfig,
    Room,
    RoomConfig,
    RoomLimits,
    RoomStatus,
    WithMeeting,
    WithRecordings,
    path_of,
)

logger = logging.getLogger(__name__)

_FETCH_POOL = ThreadPoolExecutor(max_workers=16, thread_name_prefix="room-fetch")


def _cache_key(room_id: str) -> str:
    return redis_keys.room(room_id)


def config_to_json(config: RoomConfig) -> dict[str, Any]:
    recording: dict[str, Any] = {"enabled": config.recording.enabled}
    if config.recording.allow_access_to is not None:
        recording["allowAccessTo"] = config.recording.allow_access_to
    if config.recording.retention_days is not None:
        recording["retentionDays"] = config.recording.retention_days
    raw: dict[str, Any] = {
        "recording": recording,
        "chat": {"enabled": config.chat_enabled},
        "virtualBackground": {"enabled": config.virtual_background_enabled},
    }
    if config.limits is not None and not config.limits.is_empty:
        limits: dict[str, int] = {}
        if config.limits.max_participants is not None:
            limits["maxParticipants"] = config.limits.max_participants
        if config.limits.max_duration_minutes is not None:
            limits["maxDurationMinutes"] = config.limits.max_duration_minutes
        raw["limits"] = limits
    return raw


def _whole_number(value: Any, minimum: int) -> int | None:
    """A stored policy number, or None when absent or not a whole number >= minimum (a
    hand-edited document must not break reading the room)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if value != value or value < minimum or int(value) != value:
        return None
    return int(value)


def _limits_from_json(raw: Any) -> RoomLimits | None:
    if not isinstance(raw, dict):
        return None
    limits = RoomLimits(
        max_participants=_whole_number(raw.get("maxParticipants"), 1),
        max_duration_minutes=_whole_number(raw.get("maxDurationMinutes"), 1),
    )
    return None if limits.is_empty else limits


def config_from_json(raw: dict[str, Any] | None) -> RoomConfig:
    raw = raw or {}
    recording = raw.get("recording") or {}
    access = recording.get("allowAccessTo")
    return RoomConfig(
        recording=RecordingConfig(
            enabled=bool(recording.get("enabled", True)),
            allow_access_to=None if access is None else RecordingAccess(str(access)),
            retention_days=_whole_number(recording.get("retentionDays"), 0),
        ),
        chat_enabled=bool((raw.get("chat") or {}).get("enabled", True)),
        virtual_background_enabled=bool((raw.get("virtualBackground") or {}).get("enabled", True)),
        limits=_limits_from_json(raw.get("limits")),
    )


class RoomRepository:
    @staticmethod
    def to_json(room: Room) -> dict[str, Any]:
        raw: dict[str, Any] = {
            "roomId": room.room_id,
            "roomName": room.room_name,
            "creationDate": room.creation_date,
        }
        if room.auto_deletion_date is not None:
            raw["autoDeletionDate"] = room.auto_deletion_date
        raw["autoDeletionPolicy"] = {
            "withMeeting": room.auto_deletion_policy.with_meeting,
            "withRecordings": room.auto_deletion_policy.with_recordings,
        }
        raw["config"] = config_to_json(room.config)
        raw["moderatorUrl"] = path_of(room.moderator_url)
        raw["speakerUrl"] = path_of(room.speaker_url)
        raw["status"] = room.status
        raw["meetingEndAction"] = room.meeting_end_action
        return raw

    @staticmethod
    def from_json(raw: dict[str, Any]) -> Room:
        policy = raw.get("autoDeletionPolicy") or {}
        return Room(
            room_id=str(raw["roomId"]),
            room_name=str(raw.get("roomName", "")),
            creation_date=raw.get("creationDate", 0),
            auto_deletion_date=raw.get("autoDeletionDate"),
            auto_deletion_policy=AutoDeletionPolicy(
                with_meeting=WithMeeting(str(policy.get("withMeeting", "fail"))),
                with_recordings=WithRecordings(str(policy.get("withRecordings", "fail"))),
            ),
            config=config_from_json(raw.get("config")),
            moderator_url=str(raw.get("moderatorUrl", "")),
            speaker_url=str(raw.get("speakerUrl", "")),
            status=RoomStatus(str(raw.get("status", "open"))),
            meeting_end_action=MeetingEndAction(str(raw.get("meetingEndAction", "none"))),
        )

    def get(self, room_id: str, *, cached: bool = False) -> Room | None:
        if cached:
            return local_cache.get(_cache_key(room_id), lambda: self._read(room_id))
        return self._read(room_id)

    def _read(self, room_id: str) -> Room | None:
        cached = cache.get_json(_cache_key(room_id))
        if isinstance(cached, dict):
            return self.from_json(cached)
        raw = get_object_store().get_json(keys.room_key(room_id))
        if not isinstance(raw, dict):
            return None
        cache.backfill_json(_cache_key(room_id), raw)
        return self.from_json(raw)

    def exists(self, room_id: str) -> bool:
        return self.get(room_id) is not None

    def save(self, room: Room) -> None:
        """Every save bumps the listing's generation, not only a creation: a save that raced a
        delete of the room writes its key back."""
        raw = self.to_json(room)
        try:
            cache.invalidate(_cache_key(room.room_id))
            listing_cache.before_write(listing_cache.ROOMS)
            try:
                get_object_store().put_json(keys.room_key(room.room_id), raw)
            finally:
                listing_cache.after_write(listing_cache.ROOMS)
            cache.set_json(_cache_key(room.room_id), raw)
        finally:
            local_cache.invalidate(_cache_key(room.room_id))

    def delete(self, room_id: str) -> None:
        try:
            cache.invalidate(_cache_key(room_id))
            listing_cache.before_write(listing_cache.ROOMS)
            try:
                get_object_store().delete(keys.room_key(room_id))
            finally:
                listing_cache.after_write(listing_cache.ROOMS)
            cache.forget(_cache_key(room_id))
        finally:
            local_cache.invalidate(_cache_key(room_id))

    def list(
        self, *, prefix: str, limit: int, page_token: str | None, cached: bool = False
    ) -> Page[Room]:
        """A page of rooms. ``cached``: for answering a read only (the API's and console's
        listing): the page of keys may come from ``meet.listing_cache``; collectors that act on
        what they list read storage."""
        store = get_object_store()
        list_prefix = keys.rooms_list_prefix(prefix)

        def load() -> KeyPage:
            return store.list_keys(list_prefix, limit=limit, continuation_token=page_token)

        if cached:
            page = listing_cache.page(
                listing_cache.ROOMS,
                list_prefix,
                limit=limit,
                continuation_token=page_token,
                load=load,
            )
        else:
            page = load()
        stored = {
            key.rsplit("/", 1)[-1][: -len(".json")]: key
            for key in page.keys
            if key.endswith(".json")
        }
        if cached:
            # The in-process copies first (GET room keeps them too, and a copy's rendered body
            # is remembered: meetings.views), the Redis cache and storage for the others.
            by_cache_key = {_cache_key(room_id): room_id for room_id in stored}
            found = local_cache.get_many(
                builtins.list(by_cache_key),
                lambda cache_keys: self._read_many(
                    {by_cache_key[key]: stored[by_cache_key[key]] for key in cache_keys}
                ),
            )
        else:
            found = self._read_many(stored)
        return Page(
            items=[room for room in found if room is not None],
            is_truncated=page.is_truncated,
            next_page_token=page.next_page_token,
        )

    def _read_many(self, stored: dict[str, str]) -> builtins.list[Room | None]:
        """The rooms of ``stored`` (room id -> its storage key), None where gone: one MGET of
        the cache, storage for what it misses."""
        store = get_object_store()
        room_ids = builtins.list(stored)
        raws = self._cached_many(room_ids)
        missing = [index for index, raw in enumerate(raws) if raw is None]
        if missing:
            fetched = _FETCH_POOL.map(
                lambda index: store.get_json(stored[room_ids[index]]), missing
            )
            for index, raw in zip(missing, fetched, strict=True):
                if isinstance(raw, dict):
                    raws[index] = raw
                    cache.backfill_json(_cache_key(room_ids[index]), raw)
        return [self.from_json(raw) if isinstance(raw, dict) else None for raw in raws]

    @staticmethod
    def _cached_many(room_ids: builtins.list[str]) -> builtins.list[dict[str, Any] | None]:
        if not room_ids:
            return []
        try:
            values = redis().mget([redis_keys.cached(_cache_key(room_id)) for room_id in room_ids])
        except RedisError as error:
            logger.warning("Redis unavailable for the room listing, reading storage: %s", error)
            return [None] * len(room_ids)
        result: list[dict[str, Any] | None] = []
        for value in values:
            try:
                parsed = json.loads(value) if value is not None else None
            except ValueError:
                parsed = None
            result.append(parsed if isinstance(parsed, dict) else None)
        return result
