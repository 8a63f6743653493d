"""``manage.py audit_log [filters]``: print audit events, newest first."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit import repository, services
from audit.domain import AuditEvent, AuditQuery
from meet.errors import MeetError


def _time(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def line(event: AuditEvent) -> str:
    actor = f"{event.actor.kind}:{event.actor.name}" if event.actor.name else event.actor.kind
    if event.actor.role:
        actor += f"({event.actor.role})"
    target = f"{event.target_type}:{event.target_id}" if event.target_type else "-"
    details = json.dumps(event.details, separators=(",", ":"), sort_keys=True)
    return (
        f"{_time(event.timestamp)} {event.action} {event.outcome} actor={actor} "
        f"ip={event.actor.ip or '-'} target={target} details={details}"
    )


class Command(BaseCommand):
    help = "Print audit events, newest first (filters as GET /api/v1/audit-log)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--action", default="", help="Action prefix, e.g. room. or auth.login")
        parser.add_argument("--actor-kind", default="", help="user, api_key, participant...")
        parser.add_argument("--actor", default="", help="Actor name (username, key name...)")
        parser.add_argument("--target-type", default="")
        parser.add_argument("--target-id", default="")
        parser.add_argument("--since", type=int, default=None, help="Epoch ms, inclusive")
        parser.add_argument("--until", type=int, default=None, help="Epoch ms, inclusive")
        parser.add_argument("--limit", type=int, default=50, help="Events to print (max 200)")
        parser.add_argument("--json", action="store_true", help="One JSON object per line")

    def handle(self, *args: Any, **options: Any) -> None:
        query = AuditQuery(
            action=options["action"],
            actor_kind=options["actor_kind"],
            actor=options["actor"],
            target_type=options["target_type"],
            target_id=options["target_id"],
            since=options["since"],
            until=options["until"],
        )
        if options["limit"] < 1:
            raise CommandError("--limit must be >= 1")
        try:
            page = services.list_events(query, max_items=options["limit"])
        except MeetError as error:
            raise CommandError(error.message) from error
        for event in page.items:
            if options["json"]:
                self.stdout.write(json.dumps(repository.to_json(event), separators=(",", ":")))
            else:
                self.stdout.write(line(event))
        if not options["json"]:
            more = " (more: narrow the filters or raise --limit)" if page.is_truncated else ""
            self.stdout.write(f"{len(page.items)} event(s){more}")
