"""Logical object keys, exactly as the reference lays them out (behavior.md §1.2).

Keys are relative to the subbucket prefix, which ``ObjectStore`` applies.
"""

from __future__ import annotations

GLOBAL_CONFIG = "global-config.json"
API_KEYS = "api_keys.json"
NAMED_API_KEYS = "named-api-keys.json"  # ours: scoped API keys (hashes only)
ROOMS_PREFIX = "rooms"
RECORDING_METADATA_PREFIX = "recordings/.metadata"
RECORDING_SECRETS_PREFIX = "recordings/.secrets"
ARCHIVED_ROOM_PREFIX = "recordings/.room_metadata"
# Ours (not in the reference): the webhook signing secret and its rotation state.
WEBHOOK_SIGNING_SECRET = "webhooks/signing-secret.json"


def user_key(username: str) -> str:
    return f"users/{username}.json"


def room_key(room_id: str) -> str:
    return f"{ROOMS_PREFIX}/{room_id}/{room_id}.json"


def rooms_list_prefix(room_id_prefix: str = "") -> str:
    return f"{ROOMS_PREFIX}/{room_id_prefix}" if room_id_prefix else ROOMS_PREFIX


def recording_metadata_key(room_id: str, egress_id: str, uid: str) -> str:
    return f"{RECORDING_METADATA_PREFIX}/{room_id}/{egress_id}/{uid}.json"


def recording_secrets_key(room_id: str, egress_id: str, uid: str) -> str:
    return f"{RECORDING_SECRETS_PREFIX}/{room_id}/{egress_id}/{uid}.json"


def recordings_list_prefix(room_id: str = "") -> str:
    return f"{RECORDING_METADATA_PREFIX}/{room_id}" if room_id else RECORDING_METADATA_PREFIX


def archived_room_key(room_id: str) -> str:
    return f"{ARCHIVED_ROOM_PREFIX}/{room_id}/room_metadata.json"


def recording_media_stem(room_id: str, uid: str) -> str:
    """The media key without its extension: the egress is given this and adds ``.mp4``."""
    return f"recordings/{room_id}/{room_id}--{uid}"


def recording_media_key(room_id: str, uid: str) -> str:
    return f"{recording_media_stem(room_id, uid)}.mp4"
