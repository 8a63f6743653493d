"""``manage.py check_services``: is storage, Redis and LiveKit reachable? One line each."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from meet.health import check_services


class Command(BaseCommand):
    help = "Check that storage, Redis and LiveKit answer."

    def handle(self, *args: Any, **options: Any) -> None:
        results = check_services()
        for result in results:
            if result.ok:
                self.stdout.write(
                    f"{result.name:8} OK   {result.detail} ({result.elapsed_ms:.0f} ms)"
                )
            else:
                self.stdout.write(f"{result.name:8} FAIL {result.detail}")
        failures = sum(1 for result in results if not result.ok)
        if failures:
            raise CommandError(f"{failures} service(s) unreachable")
