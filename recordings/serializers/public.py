"""Wire formats of the public recordings API (api-contract.md §3.1, §3.5, §4.9-4.15).

Several routes validate a wrapper object (``{"params": ..., "query": ..., "headers": ...}``), so
their error fields read ``params.recordingId``, ``query.privateAccess`` or ``headers.range``.
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework.fields import empty

from meet.api.fields import CheckFailed, StringField, ZodSerializer, type_error
from meet.api.pagination import select_fields
from recordings.domain import Recording, RecordingId, parse_recording_id, recording_to_json
from rooms.serializers.public import PaginationQuerySerializer, RoomIdField

RANGE_PATTERN = re.compile(r"bytes=[0-9]+-[0-9]*")  # JS /^bytes=\d+-\d*$/ (ASCII digits)
INVALID_RANGE = "Invalid range header format. Expected: bytes=start-end"


# --- Recording ids ----------------------------------------------------------------------------


def recording_id_messages(value: str, label: str = "recordingId") -> list[str]:
    """The zod rules of §3.1 for a string. A failed ``min(1)`` leaves the value untransformed
    and the refinements still run (zod "dirty"), so ``""`` reports all three messages."""
    messages = []
    if value == "":
        messages.append(f"{label} is required and cannot be empty")
    if value.strip() == "":
        messages.append(f"{label} cannot be empty after sanitization")
    if parse_recording_id(value) is None:
        messages.append(f"{label} does not follow the expected format")
    return messages


class RecordingIdField(StringField):
    """A recording id, validated and parsed into a ``RecordingId`` (its room part sanitised).
    Ids whose parts hold anything but letters, digits, ``_`` and ``-`` are refused as not
    following the format, so an id can never address another storage key."""

    def to_internal_value(self, data: Any) -> RecordingId:
        value = super().to_internal_value(data)
        messages = recording_id_messages(value)
        parsed = parse_recording_id(value)
        if messages or parsed is None:
            raise CheckFailed(messages)
        return parsed


class RecordingIdListField(StringField):
    """``recordingIds``: one comma-separated string; items trimmed, empty ones dropped. Anything
    else (a repeated parameter, ``recordingIds[]=``, absent) counts as no item (§4.10). (A
    ``StringField`` for the schema: a string on the wire.)"""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def run_validation(self, data: Any = empty) -> list[RecordingId]:
        items = [item.strip() for item in data.split(",")] if isinstance(data, str) else []
        items = [item for item in items if item]
        if not items:
            raise CheckFailed(["recordingIds must contain at least one item"])
        errors: dict[int, list[str]] = {}
        parsed: list[RecordingId] = []
        for index, item in enumerate(items):
            recording_id = parse_recording_id(item)
            if recording_id is None:
                errors[index] = recording_id_messages(item)
            else:
                parsed.append(recording_id)
        if errors:
            raise CheckFailed(errors)
        return parsed


class RecordingIdsQuerySerializer(ZodSerializer):
    """``DELETE /recordings`` and ``GET /recordings/download``."""

    recordingIds = RecordingIdListField(source="recording_ids")


class RecordingIdSerializer(ZodSerializer):
    """``DELETE /recordings/{recordingId}`` (errors at field ``recordingId``)."""

    recordingId = RecordingIdField(source="recording_id")


# --- Wrapped requests (params / query / headers) ----------------------------------------------


class SecretQuerySerializer(ZodSerializer):
    secret = StringField(required=False)


class RecordingRequestSerializer(ZodSerializer):
    """``GET /recordings/{recordingId}``."""

    params = RecordingIdSerializer()
    query = SecretQuerySerializer()


class RangeHeaderSerializer(ZodSerializer):
    range = StringField(
        required=False,
        checks=((lambda value: bool(RANGE_PATTERN.fullmatch(value)), INVALID_RANGE),),
    )


class MediaRequestSerializer(ZodSerializer):
    """``GET /recordings/{recordingId}/media``."""

    params = RecordingIdSerializer()
    query = SecretQuerySerializer()
    headers = RangeHeaderSerializer()


class PrivateAccessField(StringField):
    """``z.preprocess(v => typeof v === 'string' ? v.toLowerCase() === 'true' : v, z.boolean())``
    with default ``false`` (a string on the wire)."""

    expected = "boolean"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, default=False, **kwargs)

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, str):
            return data.lower() == "true"
        if isinstance(data, bool):
            return data
        raise type_error("boolean", data)


class UrlQuerySerializer(ZodSerializer):
    privateAccess = PrivateAccessField(source="private_access")


class RecordingUrlRequestSerializer(ZodSerializer):
    """``GET /recordings/{recordingId}/url``."""

    params = RecordingIdSerializer()
    query = UrlQuerySerializer()


def range_header(request: Any) -> dict[str, str]:
    """The ``headers`` part of a media request: only a ``Range`` that was sent."""
    value = request.META.get("HTTP_RANGE")
    return {} if value is None else {"range": value}


def parse_range(value: str) -> tuple[int, int | None]:
    """A validated ``bytes=S-E`` / ``bytes=S-`` header → ``(S, E or None)``."""
    start, _, end = value[len("bytes=") :].partition("-")
    return int(start), int(end) if end else None


# --- Queries ----------------------------------------------------------------------------------


class RecordingListQuerySerializer(PaginationQuerySerializer):
    roomId = RoomIdField(source="room_id", required=False)


# --- Output -----------------------------------------------------------------------------------


def recording_body(recording: Recording, fields: list[str] | None = None) -> dict[str, Any]:
    """MeetRecording as stored (§3.5), reduced to ``fields`` when given."""
    return select_fields(recording_to_json(recording), fields)


def bulk_deletion_body(deleted: list[str], failed: list[tuple[str, str]]) -> dict[str, Any]:
    if deleted and not failed:
        return {"message": "All recordings deleted successfully", "deleted": deleted}
    return {
        "message": f"{len(failed)} recording(s) could not be deleted",
        "deleted": deleted,
        "failed": [{"recordingId": recording_id, "error": error} for recording_id, error in failed],
    }
