"""``manage.py delete_expired_rooms [--dry-run]``: run the expired-room collector now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from meetings.services import delete_expired_rooms


class Command(BaseCommand):
    help = "Delete rooms whose autoDeletionDate has passed, each with its own deletion policy."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only report what would happen.")

    def handle(self, *args: Any, **options: Any) -> None:
        summary = delete_expired_rooms(dry_run=options["dry_run"])
        self.stdout.write(summary.line(dry_run=options["dry_run"]))
