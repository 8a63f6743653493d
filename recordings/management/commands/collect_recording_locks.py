"""``manage.py collect_recording_locks [--dry-run]``: release orphaned recording locks now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from recordings.services.collectors import collect_orphaned_locks


class Command(BaseCommand):
    help = "Release recording locks of rooms that are no longer being recorded."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only report what would happen.")

    def handle(self, *args: Any, **options: Any) -> None:
        summary = collect_orphaned_locks(dry_run=options["dry_run"])
        self.stdout.write(summary.line(verb="released", dry_run=options["dry_run"]))
