"""Every Redis key and channel name, spelled once, exactly as the reference spells them.

Both servers can then share one Redis (behavior.md §2). Cache entries are named relative to
``CACHE_PREFIX`` (``meet.cache`` adds it); every other name here is a whole key.
"""

from __future__ import annotations

PREFIX = "ov_meet"
CACHE_PREFIX = f"{PREFIX}:"

# --- Cache entries (relative to CACHE_PREFIX) ---------------------------------------------------

API_KEYS = "api_keys:"
GLOBAL_CONFIG = "global_config"
NAMED_API_KEYS = "named_api_keys"  # ours: the scoped API keys


def room(room_id: str) -> str:
    return f"room:{room_id}"


def user(username: str) -> str:
    return f"user:{username}"


def recording(recording_id: object) -> str:
    return f"recording:{recording_id}"


def recording_secrets(recording_id: object) -> str:
    return f"recording_secrets:{recording_id}"


# --- Whole keys ---------------------------------------------------------------------------------

LOCK_PREFIX = f"{PREFIX}_lock:"
LOCK_REGISTRY_PREFIX = f"{PREFIX}_lock_registry:"
EVENTS_CHANNEL = f"{PREFIX}_channel"
WEBHOOK_DELIVERIES = f"{PREFIX}:webhook_deliveries"
WEBHOOK_DELIVERY_RECORDS = f"{PREFIX}:webhook_delivery_records"
# Ours: failed deliveries kept for redelivery (a sorted set by failure time + their records).
WEBHOOK_FAILED_DELIVERIES = f"{PREFIX}:webhook_failed_deliveries"
WEBHOOK_FAILED_DELIVERY_RECORDS = f"{PREFIX}:webhook_failed_delivery_records"
PARTICIPANT_RESERVATION_PREFIX = f"{PREFIX}:room_participants"
PARTICIPANT_POOL_PREFIX = f"{PREFIX}:participant_pool"
DELETED_RECORDING_PREFIX = f"{PREFIX}:deleted_recording:"
NAMED_API_KEYS_LAST_USED = f"{PREFIX}:named_api_keys:last_used"  # ours: hash id -> ms
ONCE_PREFIX = f"{PREFIX}:once:"  # ours: markers of things seen once (replayed webhooks)
RECORDING_SHARED_PREFIX = f"{PREFIX}:recording_shared:"  # ours: when a share URL was issued
# Ours: cached pages of the room and recording listings and their generations (listing_cache).
LISTING_GENERATION_PREFIX = f"{PREFIX}:listing_generation:"
LISTING_PAGE_PREFIX = f"{PREFIX}:listing_page:"


def cached(name: str) -> str:
    """The whole key of a cache entry."""
    return CACHE_PREFIX + name


def lock(resource: str) -> str:
    return LOCK_PREFIX + resource


def lock_registry(resource: str) -> str:
    """The registry entry of a lock, named after the lock's key as the reference names it."""
    return LOCK_REGISTRY_PREFIX + lock(resource)


def rate_limit(key: str) -> str:
    return f"{PREFIX}:rate_limit:{key}"


def participant_reservation(room_id: str, name: str) -> str:
    return f"{PARTICIPANT_RESERVATION_PREFIX}:{room_id}:{name.lower()}"


def participant_pool(room_id: str, base: str) -> str:
    return f"{PARTICIPANT_POOL_PREFIX}:{room_id}:{base.lower()}"


def deleted_recording(recording_id: object) -> str:
    return f"{DELETED_RECORDING_PREFIX}{recording_id}"


def once(name: str) -> str:
    return f"{ONCE_PREFIX}{name}"


def recording_shared(recording_id: object) -> str:
    return f"{RECORDING_SHARED_PREFIX}{recording_id}"


def listing_generation(listing: str) -> str:
    return f"{LISTING_GENERATION_PREFIX}{listing}"


def listing_page(listing: str, generation: str, digest: str) -> str:
    return f"{LISTING_PAGE_PREFIX}{listing}:{generation}:{digest}"
