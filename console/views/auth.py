"""Sign in and out, the account's password and the API key."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services as accounts_services
from accounts.errors import InvalidCredentialsError, InvalidCurrentPasswordError
from console.forms.account import ChangePasswordForm, LoginForm
from console.views.base import (
    SESSION_AUTH,
    console_view,
    password_fingerprint,
    safe_next,
    sign_in,
    signed_in_user,
)
from meet import ratelimit
from meet.http import client_ip

TOO_MANY_LOGINS = "Too many login attempts, please try again later"
REVEALED_KEY = "console_revealed_api_key"


@require_http_methods(["GET", "POST"])
@console_view(public=True)
def login(request: HttpRequest) -> HttpResponse:
    """The API's login rules: the same users, and the same per-IP counter (``login:{ip}``), so
    failures here and at ``/internal-api/v1/auth/login`` add up to one limit."""
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.method == "GET" and signed_in_user(request) is not None:
        return HttpResponseRedirect(next_url)
    form = LoginForm(request.POST if request.method == "POST" else None)
    state = None
    if request.method == "POST" and form.is_valid():
        limited = settings.LOGIN_RATE_LIMIT_ENABLED
        rate_key = f"login:{client_ip(request)}"
        state = (
            ratelimit.hit(
                rate_key,
                limit=settings.LOGIN_RATE_LIMIT,
                window_seconds=settings.LOGIN_RATE_WINDOW_SECONDS,
            )
            if limited
            else None
        )
        if state is not None and state.exceeded:
            form.add_error(None, TOO_MANY_LOGINS)
        else:
            try:
                user = accounts_services.authenticate_user(
                    username=form.validated["username"], password=form.validated["password"]
                )
            except InvalidCredentialsError as error:
                form.add_error(None, error.message)
            else:
                if limited:
                    ratelimit.uncount(rate_key)  # successful sign-ins do not count
                sign_in(request, user)
                return HttpResponseRedirect(next_url)
    response = render(request, "console/login.html", {"form": form, "next": next_url})
    if state is not None and state.exceeded:
        response.status_code = 429
        response["Retry-After"] = state.headers()["Retry-After"]
    return response


@require_POST
@console_view(public=True)
def logout(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    return HttpResponseRedirect(reverse("console:login"))


@require_http_methods(["GET", "POST"])
@console_view
def account(request: HttpRequest) -> HttpResponse:
    form = ChangePasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        username = request.console_user.username  # type: ignore[attr-defined]
        try:
            accounts_services.change_password(
                username=username,
                current_password=form.validated["current_password"],
                new_password=form.validated["new_password"],
            )
        except InvalidCurrentPasswordError as error:
            form.add_error("current_password", error.message)
        else:
            # Keep this session; every other session of the user ends with the old password.
            user = accounts_services.find_user(username)
            if user is not None:
                request.session[SESSION_AUTH] = password_fingerprint(user)
            messages.success(request, "Password changed. Other sessions were signed out.")
            return HttpResponseRedirect(reverse("console:account"))
    return render(request, "console/account.html", {"form": form, "page": "account"})


@require_http_methods(["GET"])
@console_view
def api_key(request: HttpRequest) -> HttpResponse:
    keys = accounts_services.list_api_keys()
    return render(
        request,
        "console/api_key.html",
        {
            "page": "api_key",
            "api_key": keys[0] if keys else None,
            "revealed": request.session.pop(REVEALED_KEY, None),
        },
    )


@require_POST
@console_view
def api_key_generate(request: HttpRequest) -> HttpResponse:
    """A new key replaces the old one; it is shown once, on the next page only."""
    request.session[REVEALED_KEY] = accounts_services.create_api_key().key
    messages.success(request, "New API key generated. Copy it now: it is shown only once.")
    return HttpResponseRedirect(reverse("console:api_key"))


@require_POST
@console_view
def api_key_revoke(request: HttpRequest) -> HttpResponse:
    accounts_services.delete_api_keys()
    messages.success(request, "API key revoked. Requests with it are refused from now on.")
    return HttpResponseRedirect(reverse("console:api_key"))
