"""The backend's own Prometheus metrics: the registry and one small function per event.

Not in the reference. Everything below may call these functions (this module sits in ``meet``,
the lowest layer, and imports nothing of the apps). Each returns at once while
``MEET_METRICS_ENABLED`` is off, and never raises: a metric that cannot be recorded must not
fail the request, task or call it describes.

Multiprocess: under ``bin/run`` the web workers (granian processes) and Celery's own processes
each count in files under ``PROMETHEUS_MULTIPROC_DIR`` (``bin/run`` sets it and clears it at
start), and a scrape merges every process's files (``prometheus_client.multiprocess``). The
library picks its file-backed values when it is *imported* with that variable set, so it is
imported here lazily, on the first recorded event, never when ``meet/settings.py`` imports
``meet.breaker`` (which reads the env files that may set it only afterwards). Importing
``django.conf.settings`` here reads nothing: settings are read when an event is recorded.

Labels never carry request values: routes are URL templates (``/api/v1/rooms/<roomId>``), never
paths with ids or room secrets; outcomes and names are fixed words.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

NAMESPACE = "meet"
HTTP_METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))
# Latency buckets (seconds): the hot routes answer in ~1 ms, a recording start in seconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
DEPENDENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
COLLECTOR_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0)


# Files are named per process: ``counter_<host>-<pid>.db``. The host part keeps processes of
# several containers sharing one directory (docker-compose.yml: web, worker and beat, each
# with low pids of its own) apart; "_" would break the library's reading of the names.
_HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname()) or "host"


def process_identifier() -> str:
    return f"{_HOST}-{os.getpid()}"


class _Metrics:
    """Every metric, created once per process on first use."""

    def __init__(self) -> None:
        from prometheus_client import Counter, Gauge, Histogram, values

        if multiprocess_dir():
            values.ValueClass = values.MultiProcessValue(process_identifier=process_identifier)

        self.http_requests = Counter(
            "http_requests",
            "HTTP requests answered, by method, route template and status code.",
            ("method", "route", "status"),
            namespace=NAMESPACE,
        )
        self.http_duration = Histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request (until the response, or its first bytes when "
            "streamed), by method and route template.",
            ("method", "route"),
            namespace=NAMESPACE,
            buckets=LATENCY_BUCKETS,
        )
        # Inventory: computed by a scrape at most every MEET_METRICS_INVENTORY_SECONDS; the
        # newest value of any process wins.
        self.meetings_live = Gauge(
            "meetings_live",
            "Rooms with a meeting in progress (stored status active_meeting).",
            namespace=NAMESPACE,
            multiprocess_mode="mostrecent",
        )
        self.rooms = Gauge(
            "rooms", "Rooms stored.", namespace=NAMESPACE, multiprocess_mode="mostrecent"
        )
        self.recordings = Gauge(
            "recordings",
            "Recordings stored, by status.",
            ("status",),
            namespace=NAMESPACE,
            multiprocess_mode="mostrecent",
        )
        self.inventory_timestamp = Gauge(
            "inventory_timestamp_seconds",
            "When the inventory gauges (meetings, rooms, recordings) were last computed.",
            namespace=NAMESPACE,
            multiprocess_mode="max",
        )
        self.webhook_deliveries = Counter(
            "webhook_deliveries",
            "Outgoing webhook delivery attempts and their ends, by outcome: delivered, error "
            "(the receiver failed; retried), failed (given up), dropped (webhooks off).",
            ("outcome",),
            namespace=NAMESPACE,
        )
        self.webhook_duration = Histogram(
            "webhook_delivery_duration_seconds",
            "Time of one webhook POST to the receiver, by outcome (delivered, error).",
            ("outcome",),
            namespace=NAMESPACE,
            buckets=LATENCY_BUCKETS,
        )
        self.collector_runs = Counter(
            "collector_runs",
            "Scheduled job runs, by collector and outcome (completed, skipped: another run "
            "held its lock, failed).",
            ("collector", "outcome"),
            namespace=NAMESPACE,
        )
        self.collector_duration = Histogram(
            "collector_duration_seconds",
            "Duration of a scheduled job's run, by collector.",
            ("collector",),
            namespace=NAMESPACE,
            buckets=COLLECTOR_BUCKETS,
        )
        self.collector_changed = Counter(
            "collector_items_changed",
            "Items a scheduled job changed (rooms deleted, locks released, recordings "
            "repaired...), by collector.",
            ("collector",),
            namespace=NAMESPACE,
        )
        self.collector_last_run = Gauge(
            "collector_last_run_timestamp_seconds",
            "When a scheduled job last completed a run, by collector.",
            ("collector",),
            namespace=NAMESPACE,
            multiprocess_mode="max",
        )
        self.dependency_duration = Histogram(
            "dependency_duration_seconds",
            "Time of one call to a dependency (redis, s3, livekit), by outcome (ok, error).",
            ("dependency", "outcome"),
            namespace=NAMESPACE,
            buckets=DEPENDENCY_BUCKETS,
        )
        self.dependency_failures = Counter(
            "dependency_failures",
            "Times a dependency was found unreachable (it is then marked down for "
            "MEET_DEPENDENCY_DOWN_SECONDS), by dependency.",
            ("dependency",),
            namespace=NAMESPACE,
        )
        self.dependency_up = Gauge(
            "dependency_up",
            "1 while a dependency answers, 0 while it is marked down (the latest change seen "
            "by any process).",
            ("dependency",),
            namespace=NAMESPACE,
            multiprocess_mode="mostrecent",
        )
        self.lock_acquisitions = Counter(
            "lock_acquisitions",
            "Distributed lock acquisitions, by outcome (acquired, busy).",
            ("outcome",),
            namespace=NAMESPACE,
        )
        # Label children by their label values: ``labels()`` checks and hashes its arguments
        # on every call, which would be most of the cost of a request's or a Redis call's
        # metrics. Bounded by the routes x methods x statuses, and 3 dependencies x 2 outcomes.
        self.request_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self.dependency_children: dict[tuple[str, bool], Any] = {}
        self.events_published = Counter(
            "events_published",
            "Events published to the other instances (cache invalidation...), by event type.",
            ("event",),
            namespace=NAMESPACE,
        )


_metrics: _Metrics | None = None
_create_lock = threading.Lock()


def _get() -> _Metrics:
    global _metrics
    if _metrics is None:
        with _create_lock:
            if _metrics is None:
                _metrics = _Metrics()
    return _metrics


def enabled() -> bool:
    try:
        return bool(settings.MEET_METRICS_ENABLED)
    except Exception:  # settings not configured (bin/run's own helpers): nothing to record
        return False


def _record(update: Callable[[_Metrics], None]) -> bool:
    """Apply ``update``; False when metrics are off (or it failed)."""
    if not enabled():
        return False
    try:
        update(_get())
    except Exception:  # a metric never fails what it measures
        logger.warning("Could not record a metric", exc_info=True)
        return False
    return True


# --- Recording events ---------------------------------------------------------------------------


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """One answered HTTP request (called by the middleware, which checked ``enabled()``)."""
    method = method if method in HTTP_METHODS else "OTHER"
    try:
        metrics = _metrics or _get()
        key = (method, route, status)
        children = metrics.request_children.get(key)
        if children is None:
            children = (
                metrics.http_requests.labels(method, route, str(status)),
                metrics.http_duration.labels(method, route),
            )
            metrics.request_children[key] = children
        children[0].inc()
        children[1].observe(seconds)
    except Exception:
        logger.warning("Could not record a request metric", exc_info=True)


def observe_dependency(dependency: str, seconds: float, *, ok: bool) -> None:
    if not enabled():
        return
    try:
        metrics = _metrics or _get()
        child = metrics.dependency_children.get((dependency, ok))
        if child is None:
            child = metrics.dependency_duration.labels(dependency, "ok" if ok else "error")
            metrics.dependency_children[(dependency, ok)] = child
        child.observe(seconds)
    except Exception:  # a metric never fails what it measures
        logger.warning("Could not record a dependency metric", exc_info=True)


class timed_dependency:  # noqa: N801 - used as a context manager, named like one
    """``with timed_dependency("s3", answered=(ClientError,)):`` times the block. An exception
    is an ``error``, except those in ``answered``: the dependency answered (a "not found", a
    refused request), which is the caller's business, not the dependency's health."""

    __slots__ = ("_answered", "_dependency", "_started")

    def __init__(self, dependency: str, *, answered: tuple[type[BaseException], ...] = ()) -> None:
        self._dependency = dependency
        self._answered = answered
        self._started = 0.0

    def __enter__(self) -> None:
        self._started = time.perf_counter()

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> None:
        ok = kind is None or (bool(self._answered) and issubclass(kind, self._answered))
        observe_dependency(self._dependency, time.perf_counter() - self._started, ok=ok)


def dependency_state(dependency: str, *, up: bool) -> bool:
    """A breaker's change of state (and its first success in this process); False when
    nothing was recorded (metrics off)."""

    def update(metrics: _Metrics) -> None:
        metrics.dependency_up.labels(dependency).set(1 if up else 0)
        if not up:
            metrics.dependency_failures.labels(dependency).inc()

    return _record(update)


def webhook_attempt(*, ok: bool, seconds: float) -> None:
    outcome = "delivered" if ok else "error"

    def update(metrics: _Metrics) -> None:
        metrics.webhook_deliveries.labels(outcome).inc()
        metrics.webhook_duration.labels(outcome).observe(seconds)

    _record(update)


def webhook_end(outcome: str) -> None:
    """A delivery that ended without a successful attempt: ``failed`` or ``dropped``."""
    _record(lambda m: m.webhook_deliveries.labels(outcome).inc())


def collector_run(collector: str, outcome: str, seconds: float = 0.0) -> None:
    def update(metrics: _Metrics) -> None:
        metrics.collector_runs.labels(collector, outcome).inc()
        if outcome != "skipped":
            metrics.collector_duration.labels(collector).observe(seconds)
        if outcome == "completed":
            metrics.collector_last_run.labels(collector).set(time.time())

    _record(update)


def collector_changed(collector: str, count: int) -> None:
    """What a collector's run changed (its own count: rooms deleted, locks released...)."""
    if count > 0:
        _record(lambda m: m.collector_changed.labels(collector).inc(count))


def lock_acquisition(*, acquired: bool) -> None:
    _record(lambda m: m.lock_acquisitions.labels("acquired" if acquired else "busy").inc())


def event_published(event_type: str) -> None:
    _record(lambda m: m.events_published.labels(event_type).inc())


def set_inventory(*, meetings_live: int, rooms: int, recordings: dict[str, int]) -> None:
    def update(metrics: _Metrics) -> None:
        metrics.meetings_live.set(meetings_live)
        metrics.rooms.set(rooms)
        for status, count in recordings.items():
            metrics.recordings.labels(status).set(count)
        metrics.inventory_timestamp.set(time.time())

    _record(update)


# --- Reading ------------------------------------------------------------------------------------


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def collect() -> Iterable[Any]:
    """Every metric family: all processes' when ``PROMETHEUS_MULTIPROC_DIR`` is set, else this
    process's own."""
    _get()  # the families exist (at zero) even before the first event
    directory = multiprocess_dir()
    if directory:
        from prometheus_client import CollectorRegistry
        from prometheus_client.multiprocess import MultiProcessCollector

        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=directory)
        return list(registry.collect())
    from prometheus_client import REGISTRY

    return [family for family in REGISTRY.collect() if family.name.startswith(f"{NAMESPACE}_")]


def exposition() -> tuple[bytes, str]:
    """The Prometheus text format of ``collect()`` and its content type."""
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    class _Families:
        def collect(self) -> Iterable[Any]:
            return collect()

    return generate_latest(_Families()), CONTENT_TYPE_LATEST
