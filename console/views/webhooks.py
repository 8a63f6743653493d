"""Webhooks: the signing secret (status, set, rotate, clear) and failed deliveries (redeliver
one, or all since a time). The same services as ``/api/v1/webhooks/...``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts import services as accounts_services
from audit.domain import Actor, ActorKind
from console.forms.webhooks import RedeliverSinceForm, SigningSecretForm
from console.views.base import console_view, flash_form_errors
from meet.http import client_ip
from webhooks.services import redelivery, signing

REVEALED_SECRET = "console_revealed_signing_secret"


def _actor(request: HttpRequest) -> Actor:
    user = request.console_user  # type: ignore[attr-defined]
    return Actor(
        kind=ActorKind.USER, name=user.username, role=",".join(user.roles), ip=client_ip(request)
    )


def _page() -> str:
    return reverse("console:webhooks")


def _render(request: HttpRequest, status: int = 200, **forms: Any) -> HttpResponse:
    config = accounts_services.get_global_config().webhooks
    context = {
        "page": "webhooks",
        "status": signing.signing_secret_status(),
        "secret_form": forms.get("secret_form") or SigningSecretForm(),
        "redeliver_form": forms.get("redeliver_form") or RedeliverSinceForm(),
        "failed": redelivery.list_deliveries(status="failed", limit=100).items,
        "webhooks_enabled": bool(config.enabled and config.url),
        "revealed": request.session.pop(REVEALED_SECRET, None),
    }
    return render(request, "console/webhooks.html", context, status=status)


@require_GET
@console_view
def webhooks_page(request: HttpRequest) -> HttpResponse:
    return _render(request)


@require_POST
@console_view
def signing_secret_set(request: HttpRequest) -> HttpResponse:
    form = SigningSecretForm(request.POST)
    if not form.is_valid():
        return _render(request, status=422, secret_form=form)
    status = signing.set_signing_secret(secret=form.validated["secret"], actor=_actor(request))
    messages.success(request, _changed("Signing secret saved.", status.overlap_ends_at))
    return HttpResponseRedirect(_page())


@require_POST
@console_view
def signing_secret_rotate(request: HttpRequest) -> HttpResponse:
    status = signing.rotate_signing_secret(actor=_actor(request))
    request.session[REVEALED_SECRET] = status.secret
    messages.success(
        request,
        _changed(
            "New signing secret generated. Copy it now: it is shown only once.",
            status.overlap_ends_at,
        ),
    )
    return HttpResponseRedirect(_page())


@require_POST
@console_view
def signing_secret_clear(request: HttpRequest) -> HttpResponse:
    status = signing.clear_signing_secret(actor=_actor(request))
    fallback = {"env": "MEET_WEBHOOK_SIGNING_SECRET", "api-key": "the API key"}.get(
        str(status.source), "nothing (webhooks are not sent)"
    )
    messages.success(
        request, _changed(f"Signing secret cleared: {fallback} signs.", status.overlap_ends_at)
    )
    return HttpResponseRedirect(_page())


def _changed(text: str, overlap_ends_at: int | None) -> str:
    if overlap_ends_at is None:
        return text
    return f"{text} The previous secret keeps signing X-Signature during the overlap."


@require_POST
@console_view
def delivery_redeliver(request: HttpRequest, delivery_id: str) -> HttpResponse:
    delivery = redelivery.redeliver(delivery_id=delivery_id, actor=_actor(request))
    messages.success(request, f"Delivery {delivery_id} queued again as {delivery.id}.")
    return HttpResponseRedirect(_page())


@require_POST
@console_view
def delivery_redeliver_since(request: HttpRequest) -> HttpResponse:
    form = RedeliverSinceForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
        return HttpResponseRedirect(_page())
    outcome = redelivery.redeliver_since(
        since=int(form.validated["since"]),
        dry_run=form.validated["dry_run"],
        actor=_actor(request),
    )
    if outcome.dry_run:
        messages.info(
            request,
            f"Dry run: {len(outcome.source_ids)} failed deliveries would be redelivered "
            f"({outcome.skipped} already redelivered).",
        )
    else:
        messages.success(
            request,
            f"{outcome.redelivered} failed deliveries queued again "
            f"({outcome.skipped} already redelivered).",
        )
        for failed_id in outcome.failed_ids:
            messages.error(request, f"Delivery {failed_id} could not be queued.")
    return HttpResponseRedirect(_page())
