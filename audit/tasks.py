"""The audit log's retention job (thin: a lock, then the service)."""

from __future__ import annotations

import logging

from celery import shared_task

from audit import services
from audit.domain import Actor, ActorKind
from meet.locks import run_exclusively

logger = logging.getLogger(__name__)

DAY_SECONDS = 24 * 3600


@shared_task(name="audit.prune_audit_log", ignore_result=True)
def prune_audit_log_task() -> str | None:
    return _prune()


@run_exclusively("auditLogRetention", interval_seconds=DAY_SECONDS)
def _prune() -> str:
    summary = services.prune()
    line = summary.line(dry_run=False)
    logger.info("Audit retention: %s", line)
    if summary.deleted:
        services.record_event(
            "audit.prune",
            actor=Actor(kind=ActorKind.SYSTEM, name="audit.prune_audit_log"),
            target_type="audit_log",
            details={"deleted": summary.deleted, "before": summary.cutoff},
        )
    return line
