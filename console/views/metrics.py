"""The metrics page: the JSON summary of ``GET /api/v1/metrics``, for people."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from console.views.base import console_view
from metrics import services as metrics_services

ROUTES_SHOWN = 25


@require_GET
@console_view
def metrics_page(request: HttpRequest) -> HttpResponse:
    summary = metrics_services.summary() if settings.MEET_METRICS_ENABLED else None
    routes = summary["http"]["routes"] if summary else []
    return render(
        request,
        "console/metrics.html",
        {
            "page": "metrics",
            "enabled": settings.MEET_METRICS_ENABLED,
            "summary": summary,
            "routes": routes[:ROUTES_SHOWN],
            "more_routes": max(0, len(routes) - ROUTES_SHOWN),
            "token_set": bool(settings.MEET_METRICS_TOKEN),
            "networks": [str(network) for network in settings.MEET_METRICS_ALLOWED_NETWORKS],
            "inventory_seconds": settings.MEET_METRICS_INVENTORY_SECONDS,
        },
    )
