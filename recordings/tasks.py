"""Scheduled recording jobs (thin: a lock, then the collector)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from meet import metrics
from meet.errors import MeetError
from meet.locks import run_exclusively
from recordings.services import collectors, retention

logger = logging.getLogger(__name__)


@shared_task(name="recordings.collect_orphaned_locks", ignore_result=True)
def collect_orphaned_locks_task() -> str | None:
    return _orphaned_locks()


@shared_task(name="recordings.cleanup_stale_recordings", ignore_result=True)
def cleanup_stale_recordings_task() -> str | None:
    return _stale_recordings()


@run_exclusively(
    "activeRecordingGarbageCollector", interval_seconds=settings.RECORDING_LOCK_GC_INTERVAL_SECONDS
)
def _orphaned_locks() -> str:
    summary = collectors.collect_orphaned_locks()
    metrics.collector_changed("activeRecordingGarbageCollector", len(summary.acted))
    line = summary.line(verb="released", dry_run=False)
    logger.info("Recording lock GC: %s", line)
    return line


@run_exclusively(
    "staleRecordingsCleanup", interval_seconds=settings.STALE_RECORDINGS_INTERVAL_SECONDS
)
def _stale_recordings() -> str:
    summary = collectors.cleanup_stale_recordings()
    metrics.collector_changed("staleRecordingsCleanup", len(summary.acted))
    line = summary.line(verb="aborted", dry_run=False)
    logger.info("Stale recordings cleanup: %s", line)
    return line


@shared_task(name="recordings.apply_retention", ignore_result=True)
def apply_retention_task() -> str | None:
    return _retention()


@run_exclusively("recordingRetention", interval_seconds=settings.RETENTION_INTERVAL_SECONDS)
def _retention() -> str:
    try:
        summary = retention.apply_retention()
    except MeetError as error:  # storage or Redis down: nothing more is deleted this tick
        logger.warning("Recording retention stopped: %s", error.message)
        return f"stopped: {error.message}"
    for decision in summary.kept:
        logger.info("Recording retention: %s", decision.describe(dry_run=False))
    line = summary.line(dry_run=False)
    logger.info("Recording retention: %s", line)
    return line
