"""``manage.py prune_audit_log [--dry-run] [--days N]``: apply the audit log's retention now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit import services
from audit.domain import Actor, ActorKind


class Command(BaseCommand):
    help = (
        "Delete audit events older than MEET_AUDIT_RETENTION_DAYS (or --days N); "
        "0 days keeps every event."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only count what would go.")
        parser.add_argument("--days", type=int, default=None, help="Override the retention.")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days is not None and days < 0:
            raise CommandError("--days must be >= 0")
        dry_run = options["dry_run"]
        summary = services.prune(days=days, dry_run=dry_run)
        if summary.deleted and not dry_run:
            services.record_event(
                "audit.prune",
                actor=Actor(kind=ActorKind.SYSTEM, name="prune_audit_log"),
                target_type="audit_log",
                details={"deleted": summary.deleted, "before": summary.cutoff},
            )
        self.stdout.write(summary.line(dry_run=dry_run))
