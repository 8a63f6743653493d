"""Wire formats of the public recordings API (api-contract.md §3.1, §3.5, §4.9-4.15).

Several routes validate a wrapper object (``{"params": ..., "query": ..., "headers": ...}``), so
their error fields read ``params.recordingId``, ``query.privateAccess`` or ``headers.range``.
"""

from __future__ import annotations

import re
from typing import Any

from rest_framework.fields import empty

from meet.api import output
from meet.api.fields import CheckFailed, StringField, ZodSerializer, type_error
from meet.api.pagination import PaginationSerializer, select_fields
from recordings.domain import Recording, RecordingId, parse_recording_id
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
            raise CheckFailed(errors)  # type: ignore[arg-type]  # indexed by item, as zod
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


class RecordingSerializer(output.OutputSerializer):
    """MeetRecordingInfo, reduced to the context's ``fields`` (in their order)."""

    recordingId = output.Text(source="recording_id")
    roomId = output.Text(source="room_id")
    roomName = output.Text(source="room_name")
    status = output.Text()
    filename = output.Text(required=False)
    startDate = output.Number(source="start_date")
    endDate = output.Number(source="end_date", required=False)
    duration = output.Number(required=False)
    size = output.Number(required=False)
    errorCode = output.Number(source="error_code", required=False)
    error = output.Text(required=False)
    details = output.Text(required=False)
    omit_when_none = frozenset(
        {"filename", "endDate", "duration", "size", "errorCode", "error", "details"}
    )

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return select_fields(super().to_representation(instance), self.context.get("fields"))


def recording_body(recording: Recording) -> dict[str, Any]:
    """``RecordingSerializer``'s body (also the ``data`` of the recording webhooks and the
    cross-instance ``recording_active`` event)."""
    return dict(output.render(RecordingSerializer, recording))


class RecordingListSerializer(output.OutputSerializer):
    recordings = RecordingSerializer(many=True)
    pagination = PaginationSerializer()


class RecordingDeletionFailureSerializer(output.OutputSerializer):
    recordingId = output.Text(source="recording_id")
    error = output.Text()


class BulkRecordingDeletionSerializer(output.OutputSerializer):
    """``DELETE /recordings`` when every recording was deleted (200)."""

    message = output.Text()
    deleted = output.TextList()


class BulkRecordingDeletionFailureSerializer(BulkRecordingDeletionSerializer):
    """``DELETE /recordings`` when one could not be deleted, or none was given (400)."""

    failed = RecordingDeletionFailureSerializer(many=True)


class RecordingUrlSerializer(output.OutputSerializer):
    url = output.Text()


def bulk_deletion(
    deleted: list[str], failed: list[tuple[str, str]]
) -> tuple[type[output.OutputSerializer], dict[str, Any], int]:
    """The serializer, body and status of a bulk deletion's outcome."""
    if deleted and not failed:
        body = {"message": "All recordings deleted successfully", "deleted": deleted}
        return BulkRecordingDeletionSerializer, body, 200
    return (
        BulkRecordingDeletionFailureSerializer,
        {
            "message": f"{len(failed)} recording(s) could not be deleted",
            "deleted": deleted,
            "failed": [{"recording_id": key, "error": error} for key, error in failed],
        },
        400,
    )
