"""``manage.py cleanup_stale_recordings [--dry-run]``: abort recordings that stopped reporting."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from recordings.services.collectors import cleanup_stale_recordings


class Command(BaseCommand):
    help = "Abort in-progress recordings whose egress stopped reporting and whose room is empty."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only report what would happen.")

    def handle(self, *args: Any, **options: Any) -> None:
        summary = cleanup_stale_recordings(dry_run=options["dry_run"])
        self.stdout.write(summary.line(verb="aborted", dry_run=options["dry_run"]))
