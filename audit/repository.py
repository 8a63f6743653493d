"""Audit events as one JSON object each, beside the other JSON in the object store.

Key: ``audit/{9999999999999 - timestamp:013d}-{action}-{id}.json`` (under the subbucket prefix
like every other key). The inverted, zero-padded timestamp makes a plain listing newest first,
which is what the console and ``GET /api/v1/audit-log`` show. The key carries the time and the
action, so those filters never read an object; the other filters read each candidate (bounded).

Old events are at the *end* of that order. Pruning does not list everything: the keys of events
older than a cutoff are exactly those whose inverted stamp is greater than the cutoff's, and that
set is covered by a few key prefixes (for each leading digit position, every larger digit), so it
lists only old keys, whatever the number of young ones (``old_keys``).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from audit.domain import Actor, ActorKind, AuditEvent, AuditQuery
from meet.pagination import Page
from meet.storage import get_object_store
from meet.storage.base import InvalidPageTokenError

logger = logging.getLogger(__name__)

PREFIX = "audit"
MAX_MS = 9_999_999_999_999  # 13 digits: epoch milliseconds until the year 2286
LIST_PAGE = 200  # keys per listing request
FETCH_CHUNK = 16  # objects read in parallel
EXACT_DIGITS = 8  # pruning lists whole prefixes down to 10^5 ms, then compares the keys
DELETE_BATCH = 500

_FETCH_POOL = ThreadPoolExecutor(max_workers=FETCH_CHUNK, thread_name_prefix="audit-fetch")
_UNSAFE = re.compile(r"[^A-Za-z0-9._]")


def inverted(timestamp: int) -> str:
    return f"{MAX_MS - max(0, min(timestamp, MAX_MS)):013d}"


def event_key(event: AuditEvent) -> str:
    action = _UNSAFE.sub("_", event.action) or "unknown"
    return f"{PREFIX}/{inverted(event.timestamp)}-{action}-{event.id}.json"


def parse_key(key: str) -> tuple[int, str] | None:
    """``(timestamp, action)`` of a full or relative event key; None if it is not one."""
    name = key.rsplit("/", 1)[-1]
    if not name.endswith(".json"):
        return None
    stamp, _, rest = name[: -len(".json")].partition("-")
    action, _, event_id = rest.rpartition("-")
    if len(stamp) != 13 or not stamp.isdigit() or not action or not event_id:
        return None
    return MAX_MS - int(stamp), action


def to_json(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "timestamp": event.timestamp,
        "action": event.action,
        "actor": {
            "kind": str(event.actor.kind),
            "name": event.actor.name,
            "role": event.actor.role,
            "ip": event.actor.ip,
        },
        "targetType": event.target_type,
        "targetId": event.target_id,
        "details": event.details,
        "outcome": event.outcome,
    }


def from_json(raw: dict[str, Any]) -> AuditEvent:
    actor = raw.get("actor") if isinstance(raw.get("actor"), dict) else {}
    assert isinstance(actor, dict)
    kind = str(actor.get("kind", ""))
    details = raw.get("details")
    return AuditEvent(
        id=str(raw.get("id", "")),
        timestamp=int(raw.get("timestamp", 0)),
        action=str(raw.get("action", "")),
        actor=Actor(
            kind=ActorKind(kind) if kind in ActorKind.__members__.values() else ActorKind.SYSTEM,
            name=str(actor.get("name", "")),
            role=str(actor.get("role", "")),
            ip=str(actor.get("ip", "")),
        ),
        target_type=str(raw.get("targetType", "")),
        target_id=str(raw.get("targetId", "")),
        details=details if isinstance(details, dict) else {},
        outcome=str(raw.get("outcome", "success")),
    )


def _encode_cursor(token: str | None, offset: int) -> str:
    raw = json.dumps({"c": token, "o": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[str | None, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise InvalidPageTokenError(cursor) from error
    if not isinstance(data, dict):
        raise InvalidPageTokenError(cursor)
    token, offset = data.get("c"), data.get("o")
    if not (token is None or isinstance(token, str)) or not isinstance(offset, int) or offset < 0:
        raise InvalidPageTokenError(cursor)
    return token, offset


def _common_prefix(first: str, second: str) -> str:
    length = 0
    while length < len(first) and first[length] == second[length]:
        length += 1
    return first[:length]


class AuditRepository:
    def save(self, event: AuditEvent) -> None:
        get_object_store().put_json(event_key(event), to_json(event))

    def _load(self, key: str) -> AuditEvent | None:
        try:
            raw = get_object_store().get_json(key)
        except ValueError:  # not JSON: not an event of ours
            logger.warning("Skipping unreadable audit object %s", key)
            return None
        return from_json(raw) if isinstance(raw, dict) else None

    def _load_many(self, keys: Sequence[str]) -> list[AuditEvent | None]:
        if len(keys) <= 1:
            return [self._load(key) for key in keys]
        return list(_FETCH_POOL.map(self._load, keys))

    def _listing_prefix(self, query: AuditQuery) -> str:
        """The longest key prefix shared by every stamp in ``[since, until]``."""
        newest = inverted(query.until) if query.until is not None else "0" * 13
        oldest = inverted(query.since) if query.since is not None else inverted(0)
        return f"{PREFIX}/{_common_prefix(newest, oldest)}"

    def search(
        self, query: AuditQuery, *, max_items: int, page_token: str | None, max_scanned: int
    ) -> Page[AuditEvent]:
        """Up to ``max_items`` matching events, newest first, looking at ``max_scanned`` keys at
        most; a truncated page (more keys, or the scan bound reached) has a cursor to resume:
        the listing's continuation token plus an offset into that listing page."""
        store = get_object_store()
        prefix = self._listing_prefix(query)
        token, index = _decode_cursor(page_token) if page_token else (None, 0)
        found: list[AuditEvent] = []
        scanned = 0
        while True:
            page = store.list_keys(prefix, limit=LIST_PAGE, continuation_token=token)
            keys = page.keys
            while index < len(keys) and len(found) < max_items:
                if scanned >= max_scanned:
                    return Page(found, True, _encode_cursor(token, index))
                wanted = FETCH_CHUNK if query.needs_body else max_items - len(found)
                chunk = keys[index : index + min(wanted, max_scanned - scanned)]
                selected, older = self._select(query, chunk, index)
                events = self._load_many([key for _, key in selected])
                consumed = index + len(chunk) if older is None else older
                for (position, _), event in zip(selected, events, strict=True):
                    if event is not None and query.matches(event):
                        found.append(event)
                        if len(found) >= max_items:
                            consumed = position + 1
                            break
                scanned += consumed - index
                index = consumed
                if older is not None and index == older:
                    return Page(found, False, None)  # the rest is older than ``since``
            if len(found) >= max_items and index < len(keys):
                return Page(found, True, _encode_cursor(token, index))
            if not page.is_truncated or not page.next_page_token:
                return Page(found, False, None)
            token, index = page.next_page_token, 0
            if len(found) >= max_items or scanned >= max_scanned:
                return Page(found, True, _encode_cursor(token, 0))

    @staticmethod
    def _select(
        query: AuditQuery, chunk: Sequence[str], start: int
    ) -> tuple[list[tuple[int, str]], int | None]:
        """The keys of ``chunk`` whose time and action match (with their positions), and the
        position of the first key older than ``since`` if there is one (the scan ends there)."""
        selected: list[tuple[int, str]] = []
        for position, key in enumerate(chunk, start=start):
            parsed = parse_key(key)
            if parsed is None:
                continue
            timestamp, action = parsed
            if query.since is not None and timestamp < query.since:
                return selected, position
            if query.until is not None and timestamp > query.until:
                continue
            if action.startswith(query.action):
                selected.append((position, key))
        return selected, None

    def old_keys(self, cutoff_ms: int) -> Iterator[str]:
        """Every event key with a timestamp before ``cutoff_ms``: its inverted stamp is greater
        than the cutoff's, so it starts with the cutoff's first k digits and then a larger
        digit (whole prefixes, listed without looking at a young key), or it shares the first
        ``EXACT_DIGITS`` digits and is compared key by key."""
        store = get_object_store()
        boundary = inverted(cutoff_ms)
        prefixes = [
            f"{PREFIX}/{boundary[:position]}{digit}"
            for position in range(EXACT_DIGITS)
            for digit in range(int(boundary[position]) + 1, 10)
        ]
        for prefix in [*prefixes, f"{PREFIX}/{boundary[:EXACT_DIGITS]}"]:
            exact = prefix.endswith(boundary[:EXACT_DIGITS]) and len(prefix) == len(
                f"{PREFIX}/{boundary[:EXACT_DIGITS]}"
            )
            token: str | None = None
            while True:
                page = store.list_keys(prefix, limit=1000, continuation_token=token)
                for key in page.keys:
                    parsed = parse_key(key)
                    if parsed is None:
                        continue
                    if exact and parsed[0] >= cutoff_ms:
                        continue
                    yield key
                if not page.is_truncated or not page.next_page_token:
                    break
                token = page.next_page_token

    def delete(self, keys: Sequence[str]) -> None:
        store = get_object_store()
        for start in range(0, len(keys), DELETE_BATCH):
            store.delete_many(list(keys[start : start + DELETE_BATCH]))
