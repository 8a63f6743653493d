"""Recordings as the system stores them: metadata, share secrets, archived room metadata and the
MP4 LiveKit Egress uploads, written straight to the (moto) bucket at the reference's keys."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from rest_framework.test import APIClient

from accounts.tokens import issue_token
from meet.storage import get_object_store

SAMPLE_MP4 = (Path(__file__).resolve().parent.parent / "livekit_sim" / "sample.mp4").read_bytes()
ROOM_ID = "Dailysync-8f3k2j9x0q1w2e3"
OTHER_ROOM_ID = "Support-a1b2c3d4e5f6g7h"
PUBLIC_SECRET = "94c11b8419"
PRIVATE_SECRET = "3b92e95b2b"


def media_bytes(size: int) -> bytes:
    """``size`` bytes whose content depends on the offset, so a wrong slice shows."""
    pattern = bytes(range(251))  # a prime length: no chunk boundary lines up with it
    return (pattern * (size // len(pattern) + 1))[:size]


def recording_json(
    room_id: str, egress_id: str, uid: str, status: str, **overrides: Any
) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "recordingId": f"{room_id}--{egress_id}--{uid}",
        "roomId": room_id,
        "roomName": "Daily sync",
        "status": status,
        "filename": f"{room_id}--{uid}.mp4",
        "startDate": 1760000001234.5679,
    }
    if status in ("complete", "failed", "aborted", "limit_reached"):
        raw.update(endDate=1760000061234.5679, duration=59.81, size=1443846)
        raw["details"] = "End reason: StopEgress API"
    raw.update(overrides)
    return {key: value for key, value in raw.items() if value is not None}


def store_recording(
    room_id: str = ROOM_ID,
    *,
    status: str = "complete",
    media: bytes | None = SAMPLE_MP4,
    egress_id: str | None = None,
    uid: str | None = None,
    public_secret: str | None = PUBLIC_SECRET,
    private_secret: str | None = PRIVATE_SECRET,
    allow_access_to: str | None = "admin_moderator_speaker",
    **overrides: Any,
) -> dict[str, Any]:
    """Store a recording; returns its metadata JSON (the API's MeetRecording)."""
    egress_id = egress_id or f"EG_{secrets.token_hex(6)}"
    uid = uid or secrets.token_hex(5)
    store = get_object_store()
    raw = recording_json(room_id, egress_id, uid, status, **overrides)
    store.put_json(f"recordings/.metadata/{room_id}/{egress_id}/{uid}.json", raw)
    if public_secret is not None and private_secret is not None:
        store.put_json(
            f"recordings/.secrets/{room_id}/{egress_id}/{uid}.json",
            {"publicAccessSecret": public_secret, "privateAccessSecret": private_secret},
        )
    if allow_access_to is not None:
        store.put_json(
            f"recordings/.room_metadata/{room_id}/room_metadata.json",
            {
                "moderatorUrl": f"/room/{room_id}?secret=7dc254de39",
                "speakerUrl": f"/room/{room_id}?secret=364e0137c5",
                "config": {"recording": {"enabled": True, "allowAccessTo": allow_access_to}},
            },
        )
    if media is not None:
        store.put_bytes(media_key(room_id, uid), media)
    return raw


def uid_of(recording: dict[str, Any]) -> str:
    return str(recording["recordingId"]).split("--")[2]


def egress_of(recording: dict[str, Any]) -> str:
    return str(recording["recordingId"]).split("--")[1]


def media_key(room_id: str, uid: str) -> str:
    return f"recordings/{room_id}/{room_id}--{uid}.mp4"


def metadata_key(recording: dict[str, Any]) -> str:
    return f"recordings/.metadata/{recording['roomId']}/{egress_of(recording)}/{uid_of(recording)}.json"


def secrets_key(recording: dict[str, Any]) -> str:
    return (
        f"recordings/.secrets/{recording['roomId']}/{egress_of(recording)}/{uid_of(recording)}.json"
    )


def archived_room_key(room_id: str) -> str:
    return f"recordings/.room_metadata/{room_id}/room_metadata.json"


def stored_objects(recording: dict[str, Any]) -> dict[str, bool]:
    store = get_object_store()
    return {
        "metadata": store.exists(metadata_key(recording)),
        "secrets": store.exists(secrets_key(recording)),
        "media": store.exists(media_key(recording["roomId"], uid_of(recording))),
    }


def recording_token(
    room_id: str = ROOM_ID,
    *,
    can_retrieve: bool = True,
    can_delete: bool = False,
    role: str = "speaker",
) -> str:
    return issue_token(
        ttl_seconds=60,
        metadata={
            "role": role,
            "recordingPermissions": {
                "canRetrieveRecordings": can_retrieve,
                "canDeleteRecordings": can_delete,
            },
        },
        video={"room": room_id},
    )


def token_client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_RECORDING_TOKEN=f"Bearer {token}")
    return client


def streamed(response: Any) -> bytes:
    """The whole body of a streaming response."""
    assert response.streaming, "expected a streamed response"
    return b"".join(response.streaming_content)


UNAUTHORIZED = {"error": "Authentication Error", "message": "Unauthorized"}
FORBIDDEN = {
    "error": "Authorization Error",
    "message": "Insufficient permissions to access this resource",
}


def not_found(recording_id: str) -> dict[str, str]:
    return {"error": "Recording Error", "message": f"Recording '{recording_id}' not found"}


def not_stopped(recording_id: str) -> dict[str, str]:
    return {"error": "Recording Error", "message": f"Recording '{recording_id}' is not stopped yet"}


def invalid(*details: tuple[str, str]) -> dict[str, Any]:
    return {
        "error": "Unprocessable Entity",
        "message": "Invalid request",
        "details": [{"field": field, "message": message} for field, message in details],
    }
