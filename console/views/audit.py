"""The audit log: who changed what, newest first, with filters and pages."""

from __future__ import annotations

from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from audit import services as audit_services
from audit.domain import ActorKind, AuditQuery
from console.views.base import console_view

PAGE_SIZE = 50
FILTERS = ("action", "actor_kind", "actor", "target_type", "target_id", "since", "until")


def _epoch_ms(value: str) -> int | None:
    """A ``datetime-local`` input (taken as UTC) as epoch milliseconds; None if unreadable."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


@require_GET
@console_view
def audit_log(request: HttpRequest) -> HttpResponse:
    values = {name: request.GET.get(name, "").strip()[:200] for name in FILTERS}
    if values["actor_kind"] not in ActorKind.__members__.values():
        values["actor_kind"] = ""
    since, until = _epoch_ms(values["since"]), _epoch_ms(values["until"])
    if since is None:
        values["since"] = ""
    if until is None:
        values["until"] = ""
    page = audit_services.list_events(
        AuditQuery(
            action=values["action"],
            actor_kind=values["actor_kind"],
            actor=values["actor"],
            target_type=values["target_type"],
            target_id=values["target_id"],
            since=since,
            until=until,
        ),
        max_items=PAGE_SIZE,
        page_token=request.GET.get("page") or None,
    )
    filters = {name: value for name, value in values.items() if value}
    return render(
        request,
        "console/audit.html",
        {
            "page": "audit",
            "filters": values,
            "filtered": bool(filters),
            "query": urlencode(filters),
            "actor_kinds": [kind.value for kind in ActorKind],
            "events": page.items,
            "next_page": page.next_page_token if page.is_truncated else None,
            "is_first_page": not request.GET.get("page"),
        },
    )
