"""Recording metadata, share secrets and media, at the reference's keys (behavior.md §1.2).

* metadata ``recordings/.metadata/{roomId}/{egressId}/{uid}.json`` (cache
  ``ov_meet:recording:{id}``)
* secrets ``recordings/.secrets/{roomId}/{egressId}/{uid}.json`` (cache
  ``ov_meet:recording_secrets:{id}``)
* media ``recordings/{roomId}/{roomId}--{uid}.mp4`` (written by LiveKit Egress)
* archived room metadata ``recordings/.room_metadata/{roomId}/room_metadata.json``
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings

from meet import cache, listing_cache, redis_keys
from meet.pagination import Page
from meet.redis_connection import RedisError, redis, redis_errors_as_503
from meet.storage import KeyPage, ObjectInfo, ObjectStream, get_object_store, keys
from recordings.domain import (
    ArchivedRoom,
    Recording,
    RecordingId,
    RecordingStatus,
)

logger = logging.getLogger(__name__)

TOMBSTONE_SECONDS = 24 * 3600
_FETCH_POOL = ThreadPoolExecutor(max_workers=16, thread_name_prefix="recording-fetch")


def _metadata_key(recording_id: RecordingId) -> str:
    return keys.recording_metadata_key(
        recording_id.room_id, recording_id.egress_id, recording_id.uid
    )


def _secrets_key(recording_id: RecordingId) -> str:
    return keys.recording_secrets_key(
        recording_id.room_id, recording_id.egress_id, recording_id.uid
    )


def media_key(recording_id: RecordingId) -> str:
    return keys.recording_media_key(recording_id.room_id, recording_id.uid)


def recording_to_json(recording: Recording) -> dict[str, Any]:
    """The stored form: undefined fields omitted, key order as the reference."""
    raw: dict[str, Any] = {
        "recordingId": recording.recording_id,
        "roomId": recording.room_id,
        "roomName": recording.room_name,
        "status": recording.status,
    }
    if recording.filename is not None:
        raw["filename"] = recording.filename
    raw["startDate"] = recording.start_date
    for key, value in (
        ("endDate", recording.end_date),
        ("duration", recording.duration),
        ("size", recording.size),
        ("errorCode", recording.error_code),
        ("error", recording.error),
        ("details", recording.details),
    ):
        if value is not None:
            raw[key] = value
    return raw


def recording_from_json(raw: dict[str, Any]) -> Recording:
    return Recording(
        recording_id=str(raw["recordingId"]),
        room_id=str(raw.get("roomId", "")),
        room_name=str(raw.get("roomName", "")),
        status=RecordingStatus(str(raw.get("status", RecordingStatus.FAILED))),
        filename=raw.get("filename"),
        start_date=raw.get("startDate", 0),
        end_date=raw.get("endDate"),
        duration=raw.get("duration"),
        size=raw.get("size"),
        error_code=raw.get("errorCode"),
        error=raw.get("error"),
        details=raw.get("details"),
    )


def egress_filepath(room_id: str, uid: str) -> str:
    """Where LiveKit Egress writes a new recording's media: a full bucket key (the egress does
    not know our prefix), without the extension it adds itself."""
    return f"{settings.STORAGE_KEY_PREFIX}/{keys.recording_media_stem(room_id, uid)}"


def _recording_id_of(metadata_key: str) -> str:
    """``{roomId}--{egressId}--{uid}`` of a listed ``…/.metadata/{roomId}/{egressId}/{uid}.json``
    key (the cache is keyed by recording id)."""
    room_id, egress_id, file_name = metadata_key.rsplit("/", 3)[-3:]
    return f"{room_id}--{egress_id}--{file_name[: -len('.json')]}"


def _cached_many(cache_keys: list[str]) -> list[dict[str, Any] | None]:
    if not cache_keys:
        return []
    try:
        values = redis().mget([redis_keys.cached(key) for key in cache_keys])
    except RedisError as error:
        logger.warning("Redis unavailable for a recordings scan, reading storage: %s", error)
        return [None] * len(cache_keys)
    result: list[dict[str, Any] | None] = []
    for value in values:
        try:
            parsed = json.loads(value) if value is not None else None
        except ValueError:
            parsed = None
        result.append(parsed if isinstance(parsed, dict) else None)
    return result


class RecordingRepository:
    def get(self, recording_id: RecordingId) -> Recording | None:
        cache_key = redis_keys.recording(recording_id)
        cached = cache.get_json(cache_key)
        if isinstance(cached, dict):
            return recording_from_json(cached)
        raw = get_object_store().get_json(_metadata_key(recording_id))
        if not isinstance(raw, dict):
            return None
        cache.backfill_json(cache_key, raw)
        return recording_from_json(raw)

    def save(self, recording: Recording) -> None:
        """Every save bumps the listing's generation, not only the first: a late egress update
        that raced a delete writes the metadata key back."""
        raw = recording_to_json(recording)
        cache_key = redis_keys.recording(recording.recording_id)
        cache.invalidate(cache_key)
        listing_cache.before_write(listing_cache.RECORDINGS)
        try:
            get_object_store().put_json(_metadata_key(recording.id), raw)
        finally:
            listing_cache.after_write(listing_cache.RECORDINGS)
        cache.set_json(cache_key, raw)

    def get_secrets(self, recording_id: RecordingId) -> dict[str, str] | None:
        cache_key = redis_keys.recording_secrets(recording_id)
        cached = cache.get_json(cache_key)
        if isinstance(cached, dict):
            return {str(k): str(v) for k, v in cached.items()}
        raw = get_object_store().get_json(_secrets_key(recording_id))
        if not isinstance(raw, dict):
            return None
        cache.backfill_json(cache_key, raw)
        return {str(k): str(v) for k, v in raw.items()}

    def save_secrets(self, recording_id: RecordingId, public: str, private: str) -> None:
        raw = {"publicAccessSecret": public, "privateAccessSecret": private}
        cache_key = redis_keys.recording_secrets(recording_id)
        cache.invalidate(cache_key)
        get_object_store().put_json(_secrets_key(recording_id), raw)
        cache.set_json(cache_key, raw)

    def delete_many(self, recording_ids: list[RecordingId]) -> None:
        """Media first, then secrets, then metadata (the index of a recording) last: a crash
        half-way leaves metadata that a retry deletes, never media nobody can find."""
        if not recording_ids:
            return
        cache_keys = [
            *[redis_keys.recording(rid) for rid in recording_ids],
            *[redis_keys.recording_secrets(rid) for rid in recording_ids],
        ]
        cache.invalidate(*cache_keys)
        self._remember_deleted(recording_ids)
        listing_cache.before_write(listing_cache.RECORDINGS)
        store = get_object_store()
        try:
            store.delete_many([media_key(rid) for rid in recording_ids])
            store.delete_many([_secrets_key(rid) for rid in recording_ids])
            store.delete_many([_metadata_key(rid) for rid in recording_ids])
        finally:
            listing_cache.after_write(listing_cache.RECORDINGS)
        cache.forget(*cache_keys)
        self._forget_shared(recording_ids)

    @staticmethod
    def mark_shared(recording_id: RecordingId, at_ms: int) -> None:
        """Remember that a share URL of the recording was handed out (ours: the retention task
        reads it). Best effort: the URL is not refused because Redis could not note it."""
        try:
            redis().set(redis_keys.recording_shared(recording_id), str(at_ms))
        except RedisError as error:
            logger.warning("Could not note the share of recording %s: %s", recording_id, error)

    @staticmethod
    def shared_at(recording_id: RecordingId) -> int | None:
        """When a share URL was last handed out (epoch ms), None if never. A Redis failure is
        ``RedisUnavailableError``: the retention task must not take "unknown" for "never"."""
        with redis_errors_as_503():
            value = redis().get(redis_keys.recording_shared(recording_id))
        try:
            return int(value) if value is not None else None
        except ValueError:
            return 0  # shared, time unknown

    @staticmethod
    def _forget_shared(recording_ids: list[RecordingId]) -> None:
        try:
            redis().delete(*[redis_keys.recording_shared(rid) for rid in recording_ids])
        except RedisError as error:
            logger.warning("Share markers of deleted recordings not removed: %s", error)

    @staticmethod
    def _remember_deleted(recording_ids: list[RecordingId]) -> None:
        """A tombstone per deleted recording, so a late egress webhook cannot bring it back."""
        with redis_errors_as_503():
            pipe = redis().pipeline()
            for rid in recording_ids:
                pipe.set(redis_keys.deleted_recording(rid), "1", ex=TOMBSTONE_SECONDS)
            pipe.execute()

    @staticmethod
    def was_deleted(recording_id: RecordingId) -> bool:
        with redis_errors_as_503():
            return bool(redis().exists(redis_keys.deleted_recording(recording_id)))

    def list(
        self, *, room_id_prefix: str, limit: int, page_token: str | None, cached: bool = False
    ) -> Page[Recording]:
        """A page of recordings, their documents read from storage. ``cached``: for answering
        a read only (API, console, metrics): the page of keys may come from
        ``meet.listing_cache``; services that act on what they list read storage."""
        store = get_object_store()
        list_prefix = keys.recordings_list_prefix(room_id_prefix)

        def load() -> KeyPage:
            return store.list_keys(list_prefix, limit=limit, continuation_token=page_token)

        if cached:
            page = listing_cache.page(
                listing_cache.RECORDINGS,
                list_prefix,
                limit=limit,
                continuation_token=page_token,
                load=load,
            )
        else:
            page = load()
        raws = list(_FETCH_POOL.map(store.get_json, page.keys))
        items = [
            recording_from_json(raw)
            for raw in raws
            if isinstance(raw, dict) and raw.get("recordingId")
        ]
        return Page(
            items=items, is_truncated=page.is_truncated, next_page_token=page.next_page_token
        )

    def iter_all(self, *, page_size: int = 1000) -> Iterator[Recording]:
        """Every stored recording, one listing page at a time: the documents come from the
        cache (one ``MGET`` per page), storage only for the misses (then back-filled). For
        collectors that must look at every recording; the API's listing reads storage."""
        store = get_object_store()
        token: str | None = None
        while True:
            page = store.list_keys(
                keys.recordings_list_prefix(), limit=page_size, continuation_token=token
            )
            metadata_keys = [key for key in page.keys if key.endswith(".json")]
            ids = [_recording_id_of(key) for key in metadata_keys]
            raws = _cached_many([redis_keys.recording(rid) for rid in ids])
            missing = [index for index, raw in enumerate(raws) if raw is None]
            fetched = _FETCH_POOL.map(store.get_json, [metadata_keys[index] for index in missing])
            for index, raw in zip(missing, fetched, strict=True):
                if isinstance(raw, dict):
                    raws[index] = raw
                    cache.backfill_json(redis_keys.recording(ids[index]), raw)
            for raw in raws:
                if isinstance(raw, dict) and raw.get("recordingId"):
                    yield recording_from_json(raw)
            if not page.is_truncated or not page.next_page_token:
                return
            token = page.next_page_token

    def has_any(self, room_id: str) -> bool:
        return bool(
            get_object_store().list_keys(keys.recordings_list_prefix(room_id), limit=1).keys
        )

    def media_info(self, recording_id: RecordingId) -> ObjectInfo | None:
        return get_object_store().head(media_key(recording_id))

    def open_media(
        self, recording_id: RecordingId, byte_range: tuple[int, int] | None = None
    ) -> ObjectStream | None:
        return get_object_store().open_stream(media_key(recording_id), byte_range)


class ArchivedRoomRepository:
    """A room's archived metadata, kept by its recordings (not cached: read only when a
    recording token is issued)."""

    @staticmethod
    def to_json(archived: ArchivedRoom) -> dict[str, Any]:
        recording: dict[str, Any] = {"enabled": archived.recording_enabled}
        if archived.allow_access_to is not None:
            recording["allowAccessTo"] = archived.allow_access_to
        return {
            "moderatorUrl": archived.moderator_url,
            "speakerUrl": archived.speaker_url,
            "config": {"recording": recording},
        }

    @staticmethod
    def from_json(raw: dict[str, Any]) -> ArchivedRoom:
        recording = (raw.get("config") or {}).get("recording") or {}
        return ArchivedRoom(
            moderator_url=str(raw.get("moderatorUrl", "")),
            speaker_url=str(raw.get("speakerUrl", "")),
            recording_enabled=bool(recording.get("enabled", True)),
            allow_access_to=recording.get("allowAccessTo"),
        )

    def get(self, room_id: str) -> ArchivedRoom | None:
        raw = get_object_store().get_json(keys.archived_room_key(room_id))
        return self.from_json(raw) if isinstance(raw, dict) else None

    def exists(self, room_id: str) -> bool:
        return get_object_store().exists(keys.archived_room_key(room_id))

    def save(self, room_id: str, archived: ArchivedRoom) -> None:
        get_object_store().put_json(keys.archived_room_key(room_id), self.to_json(archived))

    def delete(self, room_id: str) -> None:
        get_object_store().delete(keys.archived_room_key(room_id))
