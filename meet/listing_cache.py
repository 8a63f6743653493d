"""Pages of the room and recording listings, kept in Redis (ours: docs/compatibility.md row 30).

A page is what ``ObjectStore.list_keys`` answered for (prefix, limit, continuation token): the
keys, whether more follow and the store's own next token. The documents are not part of it
(repositories read those from their own cache), so a page only goes stale when the *set of
keys* under the listing's prefix changes. The rules, for any number of processes and instances:

* Each listing has a generation counter (``redis_keys.listing_generation``). Every write that
  can change its set of keys bumps it after the storage write, and the page's key contains the
  generation: one bump leaves every older page behind, in every process at once. A reader that
  raced the write stored its page under the generation it read *before* listing, which nobody
  reads any more. Writers also bump once before writing (failing the write when Redis cannot
  be reached, as ``meet.cache.invalidate`` does), so a bump lost after the write (Redis gone in
  between) leaves stale only the pages listed between the two, for at most their TTL.
* No page lives longer than ``LISTING_CACHE_TTL_SECONDS``: the bound for writers that do not
  bump (a reference server on the same bucket, an operator editing the bucket, a lost bump).
  ``0`` turns the cache off (writers still bump, for instances that keep it on).
* A hit is one round trip: a pipeline GETs the generation and the page under the generation
  this process saw last; only when a bump moved it on does a second GET follow.
* Redis failing never fails a listing: it lists from storage and stores nothing.
* Tokens are the store's own, so a page that expired (or was never cached) is listed from
  storage with the client's token as before; a token the store refuses is never cached.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings

from meet import redis_keys
from meet.redis_connection import RedisError, redis, redis_errors_as_503
from meet.storage.base import KeyPage

logger = logging.getLogger(__name__)

ROOMS = "rooms"
RECORDINGS = "recordings"

# The generation each listing had when this process last looked (a guess for the pipeline).
_last_generation: dict[str, bytes] = {}
_NO_GENERATION = b"0"


def page(
    listing: str,
    prefix: str,
    *,
    limit: int,
    continuation_token: str | None,
    load: Callable[[], KeyPage],
) -> KeyPage:
    """The cached page of ``listing`` for these arguments, else ``load()`` (then cached)."""
    ttl = int(settings.LISTING_CACHE_TTL_SECONDS)
    if ttl <= 0:
        return load()
    digest = _digest(prefix, limit, continuation_token)
    guess = _last_generation.get(listing, _NO_GENERATION)
    try:
        pipeline = redis().pipeline(transaction=False)
        pipeline.get(redis_keys.listing_generation(listing))
        pipeline.get(redis_keys.listing_page(listing, guess.decode(), digest))
        current, raw = pipeline.execute()
        generation = current or _NO_GENERATION
        if generation != guess:
            _last_generation[listing] = generation
            raw = redis().get(redis_keys.listing_page(listing, generation.decode(), digest))
    except RedisError as error:
        logger.warning(
            "Redis unavailable for the %s listing cache, listing storage: %s", listing, error
        )
        return load()
    cached = _decode(raw)
    if cached is not None:
        return cached
    fresh = load()
    try:
        redis().set(
            redis_keys.listing_page(listing, generation.decode(), digest), _encode(fresh), ex=ttl
        )
    except RedisError as error:
        logger.warning("Could not cache a page of the %s listing: %s", listing, error)
    return fresh


def before_write(listing: str) -> None:
    """Bump ``listing``'s generation before a write to its keys; 503 when Redis is down, so no
    write goes ahead that could not be announced."""
    with redis_errors_as_503():
        redis().incr(redis_keys.listing_generation(listing))


def after_write(listing: str) -> None:
    """Bump ``listing``'s generation after a write to its keys (also one that failed: it may
    have landed). Best effort: a lost bump leaves pages stale for at most their TTL."""
    try:
        redis().incr(redis_keys.listing_generation(listing))
    except RedisError as error:
        logger.warning(
            "Could not bump the %s listing generation (cached pages expire within %s s): %s",
            listing,
            settings.LISTING_CACHE_TTL_SECONDS,
            error,
        )


def _digest(prefix: str, limit: int, continuation_token: str | None) -> str:
    """The page's arguments, and the bucket they were listed from (a Redis shared by
    deployments on different buckets must not mix their pages)."""
    arguments = [
        settings.MEET_BLOB_STORAGE_MODE,
        settings.MEET_S3_BUCKET,
        settings.STORAGE_KEY_PREFIX,
        prefix,
        limit,
        continuation_token,
    ]
    return hashlib.sha256(json.dumps(arguments).encode()).hexdigest()


def _encode(key_page: KeyPage) -> bytes:
    return json.dumps(
        {
            "keys": key_page.keys,
            "isTruncated": key_page.is_truncated,
            "nextPageToken": key_page.next_page_token,
        },
        separators=(",", ":"),
    ).encode()


def _decode(raw: Any) -> KeyPage | None:
    if raw is None:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    keys, truncated, token = data.get("keys"), data.get("isTruncated"), data.get("nextPageToken")
    if (
        not isinstance(keys, list)
        or not all(isinstance(key, str) for key in keys)
        or not isinstance(truncated, bool)
        or not (token is None or isinstance(token, str))
    ):
        return None
    return KeyPage(keys=keys, is_truncated=truncated, next_page_token=token)
