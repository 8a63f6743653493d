"""``manage.py enforce_duration_limits [--dry-run]``: end the meetings past their room's
``maxDurationMinutes`` now (the minute beat task's job; docs/policies.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from meetings.limits import enforce_duration_limits


class Command(BaseCommand):
    help = (
        "End the meetings that have lasted their room's maxDurationMinutes, as a moderator would."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only list the meetings it would end."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        summary = enforce_duration_limits(dry_run=dry_run)
        verb = "would end" if dry_run else "ended"
        for room_id in summary.ended:
            self.stdout.write(f"{verb} the meeting in room {room_id}")
        for room_id in summary.failed:
            self.stdout.write(f"failed to end the meeting in room {room_id}")
        self.stdout.write(summary.line(dry_run=dry_run))
