"""Settings: security, webhooks (with the test button and recent deliveries), rooms appearance."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts import services as accounts_services
from console.forms.configuration import (
    THEME_COLOURS,
    AppearanceForm,
    SecurityForm,
    WebhooksForm,
    WebhookTestForm,
)
from console.views.base import console_view
from meet.errors import MeetError
from webhooks import services as webhook_services


def _settings_url(section: str) -> str:
    return f"{reverse('console:settings')}#{section}"


def _render(request: HttpRequest, status: int = 200, **forms: Any) -> HttpResponse:
    config = accounts_services.get_global_config()
    context = {
        "page": "settings",
        "security_form": forms.get("security_form")
        or SecurityForm(initial=SecurityForm.initial_for(config)),
        "webhooks_form": forms.get("webhooks_form")
        or WebhooksForm(initial={"enabled": config.webhooks.enabled, "url": config.webhooks.url}),
        "appearance_form": forms.get("appearance_form")
        or AppearanceForm(initial=AppearanceForm.initial_for(config)),
        "colour_fields": [name for name, _wire, _label in THEME_COLOURS],
        "deliveries": webhook_services.recent_deliveries(20),
        "has_api_key": bool(accounts_services.list_api_keys()),
    }
    return render(request, "console/settings.html", context, status=status)


@require_GET
@console_view
def settings_page(request: HttpRequest) -> HttpResponse:
    return _render(request)


@require_POST
@console_view
def settings_security(request: HttpRequest) -> HttpResponse:
    form = SecurityForm(request.POST)
    if not form.is_valid():
        return _render(request, security_form=form)
    authentication = form.validated["authentication"]
    accounts_services.update_security_config(
        auth_method_type=authentication["auth_method"]["type"],
        auth_mode_to_access_room=authentication["auth_mode_to_access_room"],
        auth_transport_mode=authentication["auth_transport_mode"],
    )
    messages.success(request, "Security settings saved.")
    return HttpResponseRedirect(_settings_url("security"))


@require_POST
@console_view
def settings_webhooks(request: HttpRequest) -> HttpResponse:
    form = WebhooksForm(request.POST)
    if not form.is_valid():
        return _render(request, webhooks_form=form)
    accounts_services.update_webhooks_config(
        enabled=form.validated["enabled"], url=form.validated.get("url")
    )
    messages.success(request, "Webhook settings saved.")
    return HttpResponseRedirect(_settings_url("webhooks"))


@require_POST
@console_view
def settings_webhook_test(request: HttpRequest) -> HttpResponse:
    """Send the signed test event to the URL in the form (saved or not)."""
    form = WebhookTestForm(request.POST)
    if not form.is_valid():
        webhooks_form = WebhooksForm(request.POST)
        webhooks_form.is_valid()
        for error in form.errors.get("url", []):
            webhooks_form.add_error("url", error)
        return _render(request, webhooks_form=webhooks_form)
    try:
        webhook_services.test_webhook_url(url=form.validated["url"])
    except MeetError as error:
        messages.error(request, f"Webhook test failed: {error.message}")
    else:
        messages.success(request, f"Webhook test delivered to {form.validated['url']}.")
    return HttpResponseRedirect(_settings_url("webhooks"))


@require_POST
@console_view
def settings_appearance(request: HttpRequest) -> HttpResponse:
    form = AppearanceForm(request.POST)
    if not form.is_valid():
        return _render(request, appearance_form=form)
    accounts_services.update_rooms_appearance(theme=form.theme())
    messages.success(request, "Rooms appearance saved.")
    return HttpResponseRedirect(_settings_url("appearance"))
