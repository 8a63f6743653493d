"""``manage.py redeliver_webhooks [--since WHEN] [--dry-run] [--id ID ...]``: send failed
outgoing webhook deliveries again (each signed afresh), through the running workers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.domain import Actor, ActorKind
from meet.clock import now_ms
from meet.errors import MeetError
from webhooks.services import redelivery

ACTOR = Actor(kind=ActorKind.SYSTEM, name="redeliver_webhooks")
_RELATIVE = re.compile(r"^(\d+)([smhd])$")
_UNIT_MS = {"s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


def parse_since(value: str) -> int:
    """Epoch milliseconds, an ISO 8601 date/time (UTC unless it says otherwise), or a time
    ago: ``30m``, ``2h``, ``1d``."""
    value = value.strip()
    if value.isdigit():
        return int(value)
    relative = _RELATIVE.match(value)
    if relative:
        return now_ms() - int(relative.group(1)) * _UNIT_MS[relative.group(2)]
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise CommandError(
            f"--since: '{value}' is not epoch ms, an ISO 8601 time, nor a time ago like 2h"
        ) from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


class Command(BaseCommand):
    help = (
        "Redeliver failed outgoing webhooks that failed since a time (all those kept by "
        "default) and were not redelivered yet, or the deliveries named with --id."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since",
            default="0",
            metavar="WHEN",
            help="epoch ms, ISO 8601 (UTC by default) or a time ago (30m, 2h, 1d)",
        )
        parser.add_argument("--dry-run", action="store_true", help="Only say what would be sent.")
        parser.add_argument(
            "--id",
            action="append",
            default=[],
            dest="ids",
            metavar="DELIVERY_ID",
            help="redeliver this failed delivery (even if redelivered before); repeatable",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["ids"]:
                self._redeliver_ids(options["ids"], dry_run=options["dry_run"])
                return
            since = parse_since(options["since"])
            outcome = redelivery.redeliver_since(
                since=since, dry_run=options["dry_run"], actor=ACTOR
            )
        except MeetError as error:
            raise CommandError(error.message) from error
        when = datetime.fromtimestamp(since / 1000, UTC).isoformat(timespec="seconds")
        if outcome.dry_run:
            self.stdout.write(
                f"Dry run: {len(outcome.source_ids)} failed deliveries since {when} would be "
                f"redelivered ({outcome.skipped} already redelivered)"
            )
            for source in outcome.source_ids:
                self.stdout.write(f"  would redeliver {source}")
            return
        self.stdout.write(
            f"Redelivered {outcome.redelivered} failed deliveries since {when} "
            f"({outcome.skipped} already redelivered, {len(outcome.failed_ids)} not queued)"
        )
        for source, new in zip(outcome.source_ids, outcome.delivery_ids, strict=True):
            self.stdout.write(f"  {source} -> {new}")
        if outcome.failed_ids:
            raise CommandError(f"Could not queue: {', '.join(outcome.failed_ids)}")

    def _redeliver_ids(self, ids: list[str], *, dry_run: bool) -> None:
        for delivery_id in ids:
            if dry_run:
                detail = redelivery.get_delivery(delivery_id)
                state = "would redeliver" if detail.failed_at is not None else "cannot redeliver"
                self.stdout.write(f"{state} {delivery_id} ({detail.delivery.status})")
                continue
            delivery = redelivery.redeliver(delivery_id=delivery_id, actor=ACTOR)
            self.stdout.write(f"Redelivered {delivery_id} -> {delivery.id}")
