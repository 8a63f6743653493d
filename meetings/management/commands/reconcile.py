"""``manage.py reconcile [--dry-run] [--grace SECONDS]``: repair now what lost LiveKit webhooks
left behind (recordings still in progress, meetings whose LiveKit room is gone)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from meetings.reconciliation import reconcile


class Command(BaseCommand):
    help = (
        "Compare stored recordings and meetings with LiveKit and storage, and move each to the "
        "state its lost webhooks would have left it in (with the same customer webhooks)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only report what would happen.")
        parser.add_argument(
            "--grace",
            type=float,
            default=None,
            metavar="SECONDS",
            help=(
                "Leave alone what LiveKit changed less than this long ago (default "
                f"{settings.RECONCILE_GRACE_SECONDS} s). 0 after an outage, when no webhook "
                "can still be on its way."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["grace"] is not None and options["grace"] < 0:
            self.stderr.write("--grace must be 0 or more")
            raise SystemExit(2)
        summary = reconcile(dry_run=options["dry_run"], grace_seconds=options["grace"])
        for line in summary.lines(dry_run=options["dry_run"]):
            self.stdout.write(line)
