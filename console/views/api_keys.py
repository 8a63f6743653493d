"""Named (scoped) API keys: list, create (the secret shown once) and revoke."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services as accounts_services
from accounts.errors import ApiKeyError
from audit.domain import Actor, ActorKind
from audit.services import record_event
from console.forms.api_keys import NamedApiKeyForm
from console.views.base import console_view
from meet.clock import now_ms
from meet.http import client_ip

REVEALED_NAMED_KEY = "console_revealed_named_api_key"


def _actor(request: HttpRequest) -> Actor:
    user = request.console_user  # type: ignore[attr-defined]
    return Actor(
        kind=ActorKind.USER,
        name=user.username,
        role=",".join(user.roles),
        ip=client_ip(request),
    )


@require_http_methods(["GET", "POST"])
@console_view
def api_keys(request: HttpRequest) -> HttpResponse:
    form = NamedApiKeyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.validated
        expires_at = data.get("expires_at")
        try:
            created = accounts_services.create_named_api_key(
                name=data["name"],
                scopes=tuple(data["scopes"]),
                expires_at=None if expires_at is None else int(expires_at),
            )
        except ApiKeyError as error:
            form.add_error(None, error.message)
        else:
            record_event(
                "api_key.create",
                actor=_actor(request),
                target_type="api_key",
                target_id=created.key_id,
                details={
                    "name": created.name,
                    "scopes": list(created.scopes),
                    "expiresAt": created.expires_at,
                },
            )
            # Shown once, on the next page only (never stored anywhere but this session).
            request.session[REVEALED_NAMED_KEY] = {"name": created.name, "key": created.key}
            messages.success(request, f"API key “{created.name}” created. Copy it now.")
            return HttpResponseRedirect(reverse("console:api_keys"))
    context = {
        "page": "api_keys",
        "keys": accounts_services.list_all_api_keys(),
        "form": form,
        "revealed": request.session.pop(REVEALED_NAMED_KEY, None),
        "now": now_ms(),
    }
    return render(request, "console/api_keys.html", context)


@require_POST
@console_view
def api_key_delete(request: HttpRequest, key_id: str) -> HttpResponse:
    try:
        revoked = accounts_services.revoke_named_api_key(key_id)
    except ApiKeyError as error:
        messages.error(request, error.message)
    else:
        record_event(
            "api_key.revoke",
            actor=_actor(request),
            target_type="api_key",
            target_id=revoked.key_id,
            details={"name": revoked.name},
        )
        messages.success(request, f"API key “{revoked.name}” revoked. It is refused from now on.")
    return HttpResponseRedirect(reverse("console:api_keys"))
