"""What a scrape reads: the inventory gauges (refreshed at most every
``MEET_METRICS_INVENTORY_SECONDS``) and a JSON summary of every metric for the API and console.

The inventory walks storage (rooms, recordings), so it is computed on a scrape only when the
last computation in this process is older than the interval, never more than once at a time,
and a failure (storage down) keeps the previous values and is logged.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from meet import metrics
from recordings import selectors as recording_selectors
from recordings.domain import RecordingStatus
from rooms import services as room_services
from rooms.domain import RoomStatus

logger = logging.getLogger(__name__)

# Past this many rooms or recordings the inventory stops counting (and says so in the log).
INVENTORY_LIMIT = 100_000
_PAGE = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class Inventory:
    meetings_live: int
    rooms: int
    recordings_by_status: dict[str, int]
    truncated: bool


_inventory_lock = threading.Lock()
_last_inventory: list[float] = []  # monotonic time of this process's last computation


def count_inventory(limit: int = INVENTORY_LIMIT) -> Inventory:
    rooms = live = 0
    truncated = False
    for room in room_services.iter_all_rooms(page_size=_PAGE):
        if rooms >= limit:
            truncated = True
            break
        rooms += 1
        live += room.status == RoomStatus.ACTIVE_MEETING
    statuses: Counter[str] = Counter({str(status): 0 for status in RecordingStatus})
    token: str | None = None
    while True:
        page = recording_selectors.list_recordings(room_id_prefix="", limit=_PAGE, page_token=token)
        statuses.update(str(recording.status) for recording in page.items)
        token = page.next_page_token if page.is_truncated else None
        if token is None:
            break
        if statuses.total() >= limit:
            truncated = True
            break
    return Inventory(
        meetings_live=live,
        rooms=rooms,
        recordings_by_status=dict(sorted(statuses.items())),
        truncated=truncated,
    )


def refresh_inventory(*, force: bool = False) -> bool:
    """Recompute the inventory gauges when this process's copy is older than the interval.
    True when it computed them now."""
    if not _inventory_lock.acquire(blocking=False):
        return False  # another thread of this process is counting
    try:
        now = time.monotonic()
        interval = settings.MEET_METRICS_INVENTORY_SECONDS
        if not force and _last_inventory and now - _last_inventory[0] < interval:
            return False
        _last_inventory[:] = [now]  # a failure waits for the next interval too
        try:
            inventory = count_inventory()
        except Exception as error:  # storage down: keep the previous values
            logger.warning("Metrics inventory not computed: %s", error)
            return False
        if inventory.truncated:
            logger.warning("Metrics inventory stopped counting at %d objects", INVENTORY_LIMIT)
        metrics.set_inventory(
            meetings_live=inventory.meetings_live,
            rooms=inventory.rooms,
            recordings=inventory.recordings_by_status,
        )
        return True
    finally:
        _inventory_lock.release()


def exposition() -> tuple[bytes, str]:
    """``GET /metrics``: the Prometheus text of every process's metrics."""
    refresh_inventory()
    return metrics.exposition()


# --- The JSON summary -------------------------------------------------------------------------


def _samples() -> list[tuple[str, dict[str, str], float]]:
    return [
        (sample.name, dict(sample.labels), float(sample.value))
        for family in metrics.collect()
        for sample in family.samples
    ]


def _average(total: float, count: float) -> float | None:
    return round(total / count, 6) if count else None


def summary() -> dict[str, Any]:
    """Every metric, summed into what an operator reads first (``GET /api/v1/metrics``)."""
    refresh_inventory()
    samples = _samples()

    def values(name: str) -> list[tuple[dict[str, str], float]]:
        return [(labels, value) for sample, labels, value in samples if sample == name]

    prefix = metrics.NAMESPACE
    routes: dict[tuple[str, str], dict[str, Any]] = {}
    by_status: Counter[str] = Counter()
    for labels, value in values(f"{prefix}_http_requests_total"):
        key = (labels["method"], labels["route"])
        entry = routes.setdefault(
            key,
            {"method": key[0], "route": key[1], "requests": 0, "serverErrors": 0, "_sum": 0.0},
        )
        entry["requests"] += int(value)
        if labels["status"].startswith("5"):
            entry["serverErrors"] += int(value)
        by_status[f"{labels['status'][:1]}xx"] += int(value)
    for labels, value in values(f"{prefix}_http_request_duration_seconds_sum"):
        timed = routes.get((labels["method"], labels["route"]))
        if timed is not None:
            timed["_sum"] += value
    route_list = sorted(routes.values(), key=lambda item: (-item["requests"], item["route"]))
    for entry in route_list:
        entry["averageSeconds"] = _average(entry.pop("_sum"), entry["requests"])

    webhook_outcomes: Counter[str] = Counter()
    for labels, value in values(f"{prefix}_webhook_deliveries_total"):
        webhook_outcomes[labels["outcome"]] += int(value)
    webhook_sum = sum(
        value for _, value in values(f"{prefix}_webhook_delivery_duration_seconds_sum")
    )
    webhook_count = sum(
        value for _, value in values(f"{prefix}_webhook_delivery_duration_seconds_count")
    )

    collectors: dict[str, dict[str, Any]] = {}

    def collector(name: str) -> dict[str, Any]:
        return collectors.setdefault(
            name,
            {
                "collector": name,
                "runs": {"completed": 0, "skipped": 0, "failed": 0},
                "itemsChanged": 0,
                "_sum": 0.0,
                "_count": 0.0,
                "lastRunAt": None,
            },
        )

    for labels, value in values(f"{prefix}_collector_runs_total"):
        collector(labels["collector"])["runs"][labels["outcome"]] = int(value)
    for labels, value in values(f"{prefix}_collector_items_changed_total"):
        collector(labels["collector"])["itemsChanged"] += int(value)
    for labels, value in values(f"{prefix}_collector_duration_seconds_sum"):
        collector(labels["collector"])["_sum"] += value
    for labels, value in values(f"{prefix}_collector_duration_seconds_count"):
        collector(labels["collector"])["_count"] += value
    for labels, value in values(f"{prefix}_collector_last_run_timestamp_seconds"):
        if value:
            collector(labels["collector"])["lastRunAt"] = int(value * 1000)
    collector_list = sorted(collectors.values(), key=lambda item: item["collector"])
    for entry in collector_list:
        entry["averageSeconds"] = _average(entry.pop("_sum"), entry.pop("_count"))

    dependencies: dict[str, dict[str, Any]] = {}

    def dependency(name: str) -> dict[str, Any]:
        return dependencies.setdefault(
            name,
            {
                "dependency": name,
                "up": None,
                "calls": 0,
                "failedCalls": 0,
                "failures": 0,
                "_sum": 0.0,
            },
        )

    for labels, value in values(f"{prefix}_dependency_duration_seconds_count"):
        entry = dependency(labels["dependency"])
        entry["calls"] += int(value)
        if labels["outcome"] == "error":
            entry["failedCalls"] += int(value)
    for labels, value in values(f"{prefix}_dependency_duration_seconds_sum"):
        dependency(labels["dependency"])["_sum"] += value
    for labels, value in values(f"{prefix}_dependency_failures_total"):
        dependency(labels["dependency"])["failures"] += int(value)
    for labels, value in values(f"{prefix}_dependency_up"):
        dependency(labels["dependency"])["up"] = bool(value)
    dependency_list = sorted(dependencies.values(), key=lambda item: item["dependency"])
    for entry in dependency_list:
        entry["averageSeconds"] = _average(entry.pop("_sum"), entry["calls"])

    recordings = {labels["status"]: int(value) for labels, value in values(f"{prefix}_recordings")}
    updated = [value for _, value in values(f"{prefix}_inventory_timestamp_seconds") if value]
    inventory_known = bool(updated)
    meetings_live = values(f"{prefix}_meetings_live")
    rooms = values(f"{prefix}_rooms")
    return {
        "multiprocess": bool(metrics.multiprocess_dir()),
        "inventory": {
            "meetingsLive": int(meetings_live[0][1]) if inventory_known and meetings_live else None,
            "rooms": int(rooms[0][1]) if inventory_known and rooms else None,
            "recordingsByStatus": dict(sorted(recordings.items())),
            "updatedAt": int(max(updated) * 1000) if updated else None,
        },
        "http": {
            "requests": sum(by_status.values()),
            "byStatus": dict(sorted(by_status.items())),
            "routes": route_list,
        },
        "webhooks": {
            "byOutcome": dict(sorted(webhook_outcomes.items())),
            "averageSeconds": _average(webhook_sum, webhook_count),
        },
        "collectors": collector_list,
        "dependencies": dependency_list,
    }
