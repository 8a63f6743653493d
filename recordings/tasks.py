"""Scheduled recording jobs (thin: a lock, then the collector)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from meet import metrics
from meet.locks import run_exclusively
from recordings.services import collectors

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
