"""Scheduled meeting jobs (thin: a lock, then the service). The room GC keeps its name
``rooms.delete_expired_rooms`` so queued tasks and beat schedules survive the move."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from meet import metrics
from meet.errors import MeetError
from meet.locks import run_exclusively
from meetings import limits, reconciliation, services

logger = logging.getLogger(__name__)


@shared_task(name="rooms.delete_expired_rooms", ignore_result=True)
def delete_expired_rooms_task() -> str | None:
    return _collect()


@run_exclusively("roomGarbageCollector", interval_seconds=settings.ROOM_GC_INTERVAL_SECONDS)
def _collect() -> str:
    summary = services.delete_expired_rooms()
    metrics.collector_changed("roomGarbageCollector", len(summary.expired))
    line = summary.line(dry_run=False)
    logger.info("Room GC: %s", line)
    return line


@shared_task(name="meetings.reconcile", ignore_result=True)
def reconcile_task() -> str | None:
    return _reconcile()


@run_exclusively("reconciliation", interval_seconds=settings.RECONCILE_INTERVAL_SECONDS)
def _reconcile() -> str:
    summary = reconciliation.reconcile()
    metrics.collector_changed("reconciliation", len(summary.recordings) + len(summary.meetings))
    for line in summary.lines(dry_run=False)[:-1]:
        logger.info("Reconciliation: %s", line)
    line = summary.line(dry_run=False)
    logger.info("Reconciliation: %s", line)
    return line


@shared_task(name="meetings.enforce_duration_limits", ignore_result=True)
def enforce_duration_limits_task() -> str | None:
    return _enforce_duration_limits()


@run_exclusively("durationLimits", interval_seconds=settings.DURATION_LIMITS_INTERVAL_SECONDS)
def _enforce_duration_limits() -> str:
    try:
        summary = limits.enforce_duration_limits()
    except MeetError as error:  # LiveKit or storage down: the next tick tries again
        logger.warning("Duration limits not checked: %s", error.message)
        return f"not checked: {error.message}"
    line = summary.line()
    if summary.ended or summary.failed:
        logger.info("Duration limits: %s", line)
    return line
