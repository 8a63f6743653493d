"""``manage.py apply_retention [--dry-run]``: run the recording retention task now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from recordings.services.retention import apply_retention


class Command(BaseCommand):
    help = (
        "Delete complete recordings past their retention (MEET_RECORDING_RETENTION_DAYS or the "
        "room's config.recording.retentionDays), printing each one and why."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only print what would be deleted and why."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for line in apply_retention(dry_run=options["dry_run"]).lines(dry_run=options["dry_run"]):
            self.stdout.write(line)
