"""The overview (counts and health) and maintenance (locks, collectors run on demand)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.static import serve

from console.selectors import maintenance_snapshot, overview_counts
from console.views.base import console_view
from meet import frontend
from meet.health import check_services
from meet.views import not_found
from meetings import services as meeting_services
from recordings.services import collectors, retention

STATIC_ROOT = Path(__file__).resolve().parent.parent / "static"

# name -> (title, run now, summary line of the result)
COLLECTORS: dict[str, tuple[str, Callable[[], str]]] = {
    "orphaned-locks": (
        "Orphaned recording locks",
        lambda: collectors.collect_orphaned_locks().line(verb="released", dry_run=False),
    ),
    "stale-recordings": (
        "Stale recordings",
        lambda: collectors.cleanup_stale_recordings().line(verb="aborted", dry_run=False),
    ),
    "expired-rooms": (
        "Expired rooms",
        lambda: meeting_services.delete_expired_rooms().line(dry_run=False),
    ),
    "retention": (
        "Recording retention",
        lambda: retention.apply_retention().line(dry_run=False),
    ),
}


@require_GET
@console_view
def overview(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "console/overview.html",
        {"page": "overview", "counts": overview_counts(), "health": check_services()},
    )


@require_GET
@console_view
def maintenance(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "console/maintenance.html",
        {"page": "maintenance", "snapshot": maintenance_snapshot()},
    )


@require_POST
@console_view
def maintenance_run(request: HttpRequest, collector: str) -> HttpResponse:
    """Run one collector now, as its scheduled task would, and show its summary."""
    if collector not in COLLECTORS:
        raise Http404(collector)
    title, run = COLLECTORS[collector]
    messages.success(request, f"{title}: {run()}")
    return HttpResponseRedirect(f"{reverse('console:maintenance')}#{collector}")


def static(request: HttpRequest, path: str) -> HttpResponseBase:
    """The console's own CSS and JS (no separate static server in any mode)."""
    response = serve(request, path, document_root=str(STATIC_ROOT))
    response["Cache-Control"] = "public, max-age=300"
    return response


def root(request: HttpRequest) -> HttpResponseBase:
    """``GET /``: the front end's ``index.html`` when a build is configured (as the reference),
    else operators land on the console."""
    if request.method not in ("GET", "HEAD"):
        return not_found(request)
    return frontend.index_response(request) or HttpResponseRedirect(reverse("console:overview"))
