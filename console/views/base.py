"""What every console page shares: the session, messages and CSRF protection (applied per view,
so the API keeps its stateless middleware list), the signed-in admin, and error pages."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.decorators import decorator_from_middleware
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_deny
from django.views.decorators.csrf import csrf_protect

from accounts import services as accounts_services
from accounts.domain import User, UserRole
from meet.errors import MeetError

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponseBase]

SESSION_USER = "console_user"
SESSION_AUTH = "console_auth"  # changes with the password: other sessions end on a change

_with_session = decorator_from_middleware(SessionMiddleware)
_with_messages = decorator_from_middleware(MessageMiddleware)


def password_fingerprint(user: User) -> str:
    return salted_hmac("console.session", user.password_hash).hexdigest()


def sign_in(request: HttpRequest, user: User) -> None:
    request.session.cycle_key()  # a new session id: no fixation
    request.session[SESSION_USER] = user.username
    request.session[SESSION_AUTH] = password_fingerprint(user)


def signed_in_user(request: HttpRequest) -> User | None:
    """The stored admin this session signed in as, while its password is unchanged."""
    username = request.session.get(SESSION_USER)
    if not isinstance(username, str):
        return None
    user = accounts_services.find_user(username)
    if user is None or UserRole.ADMIN not in user.roles:
        return None
    if not constant_time_compare(request.session.get(SESSION_AUTH, ""), password_fingerprint(user)):
        return None
    return user


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """Where to go after signing in: a console path of this host, else the overview."""
    if (
        candidate
        and candidate.startswith("/console/")
        and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()})
    ):
        return candidate
    return reverse("console:overview")


def wants_json(request: HttpRequest) -> bool:
    """console.js asks for JSON to drive progress bars; plain forms get pages."""
    return "application/json" in request.headers.get("Accept", "")


def console_view(view: View | None = None, *, public: bool = False, cacheable: bool = False) -> Any:
    """Wrap a console view: session + messages + CSRF, a signed-in admin (else the login page,
    or 401 JSON), and a ``MeetError`` from a service shown as an error page (or JSON)."""

    def decorate(function: View) -> View:
        @functools.wraps(function)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not public:
                user = signed_in_user(request)
                if user is None:
                    if request.session.get(SESSION_USER):
                        request.session.flush()
                    if wants_json(request):
                        return JsonResponse({"message": "Sign in again"}, status=401)
                    login = reverse("console:login")
                    return HttpResponseRedirect(
                        f"{login}?{urlencode({'next': request.get_full_path()})}"
                    )
                request.console_user = user  # type: ignore[attr-defined]
            try:
                return function(request, *args, **kwargs)
            except MeetError as error:
                if error.status_code >= 500:
                    logger.warning("Console %s: %s", request.path, error.message)
                return error_response(request, error.message, error.status_code)

        wrapped = _with_session(_with_messages(csrf_protect(guarded)))
        wrapped = xframe_options_deny(wrapped)
        return wrapped if cacheable else never_cache(wrapped)

    return decorate(view) if view is not None else decorate


def error_response(request: HttpRequest, message: str, status: int) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"message": message}, status=status)
    return render(
        request, "console/error.html", {"message": message, "status": status}, status=status
    )


def back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    """Redirect to the form's ``return_to`` console path, else ``fallback``."""
    candidate = request.POST.get("return_to", "")
    if candidate.startswith("/console/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}
    ):
        return HttpResponseRedirect(candidate)
    return HttpResponseRedirect(fallback)


def flash_form_errors(request: HttpRequest, form: Any) -> None:
    """A form posted from a page that shows several forms: its errors as messages."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else None
        prefix = f"{label or field.replace('_', ' ').capitalize()}: " if field != "__all__" else ""
        for error in errors:
            messages.error(request, f"{prefix}{error}")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: only console views check CSRF."""
    return error_response(
        request, "The form expired or came from another site. Reload the page and try again.", 403
    )
