"""Which requests of the pre-existing routes the audit log records, declared as a table.

An API route is keyed by its view class and method; a console form post by its URL name (the
console's views are functions). Each rule says the action, what kind of target it acts on and
where its id comes from (URL kwargs, the response body, the query, the form), when the request
succeeded, and the details worth keeping. ``AuditMiddleware`` applies the table; routes not in it
cost one dict lookup. Features added after the audit log record their own events (they call
``audit.services.record_event``) and need no rule here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib import messages as django_messages
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from accounts import views as account_views
from meetings import views as meeting_views
from recordings.views import internal as recording_internal
from recordings.views import public as recording_public
from rooms.views import internal as room_internal
from rooms.views import public as room_public

MAX_DETAILS_BYTES = 4096


@dataclass(frozen=True, slots=True)
class Context:
    """What a rule reads: the request (Django's), the view's URL kwargs and the response."""

    request: HttpRequest
    kwargs: dict[str, Any]
    response: HttpResponseBase
    request_json: Any  # the request body as JSON, for rules that read it (else None)
    before: Any  # what the rule's ``before`` hook read before the view ran

    def response_json(self) -> Any:
        data = getattr(self.response, "data", None)  # a DRF Response, not yet serialised
        if data is not None:
            return data
        content_type = self.response.get("Content-Type", "")
        if "json" in content_type and hasattr(self.response, "content"):
            try:
                return json.loads(self.response.content)
            except ValueError:
                return None
        return None


Extractor = Callable[[Context], Any]


@dataclass(frozen=True, slots=True)
class Rule:
    action: str
    target_type: str = ""
    target: Extractor | None = None
    details: Extractor | None = None
    # Whether the response means the action happened (default: a 2xx status).
    succeeded: Callable[[Context], bool] = field(default=lambda context: _is_2xx(context))
    # Logins: what a refused attempt records (None: failures are not recorded).
    failure_action: str | None = None
    # Who acted: principal (the request's) | participant (its token, for routes that check it
    # in the handler) | console (the signed-in admin) | login | logout | console_logout.
    actor: str = "principal"
    reads_body: bool = False  # the request's JSON body is kept for ``request_json``
    before: Callable[[HttpRequest], Any] | None = None


# --- Extractors -------------------------------------------------------------------------------


def _is_2xx(context: Context) -> bool:
    return 200 <= context.response.status_code < 300


def kwarg(name: str) -> Extractor:
    return lambda context: str(context.kwargs.get(name, ""))


def response_field(name: str) -> Extractor:
    def read(context: Context) -> Any:
        body = context.response_json()
        return body.get(name, "") if isinstance(body, dict) else ""

    return read


def request_field(name: str) -> Extractor:
    def read(context: Context) -> Any:
        body = context.request_json
        return body.get(name) if isinstance(body, dict) else None

    return read


def query(*names: str) -> Extractor:
    def read(context: Context) -> dict[str, Any]:
        return {name: context.request.GET[name] for name in names if name in context.request.GET}

    return read


def form(*names: str, lists: tuple[str, ...] = ()) -> Extractor:
    def read(context: Context) -> dict[str, Any]:
        post = context.request.POST
        values: dict[str, Any] = {name: post[name] for name in names if post.get(name)}
        values.update({name: post.getlist(name) for name in lists if name in post})
        return values

    return read


def whole_request_body(context: Context) -> dict[str, Any]:
    """A config change: what was sent (secret-looking keys are dropped by record_event; a body
    too large to be worth keeping is summarised)."""
    body = context.request_json
    if not isinstance(body, dict):
        return {}
    if len(json.dumps(body, default=str)) > MAX_DETAILS_BYTES:
        return {"fields": sorted(body)}
    return body


def room_target_from_location(context: Context) -> str:
    """A console redirect to ``/console/rooms/<roomId>/``."""
    location = str(context.response.get("Location", ""))
    parts = [part for part in location.split("?")[0].split("/") if part]
    return parts[2] if len(parts) >= 3 and parts[:2] == ["console", "rooms"] else ""


def with_status(extractor: Extractor | None = None) -> Extractor:
    def read(context: Context) -> dict[str, Any]:
        values = dict(extractor(context) or {}) if extractor else {}
        values["status"] = context.response.status_code
        return values

    return read


def bulk_rooms(context: Context) -> dict[str, Any]:
    body = context.response_json()
    details: dict[str, Any] = query("roomIds", "withMeeting", "withRecordings")(context)
    if isinstance(body, dict):
        details["successful"] = [
            item.get("roomId") for item in body.get("successful", []) if isinstance(item, dict)
        ]
        details["failed"] = [
            item.get("roomId") for item in body.get("failed", []) if isinstance(item, dict)
        ]
    return details


def bulk_recordings(context: Context) -> dict[str, Any]:
    body = context.response_json()
    details: dict[str, Any] = query("recordingIds")(context)
    if isinstance(body, dict):
        details["deleted"] = list(body.get("deleted", []))
        details["failed"] = [
            item.get("recordingId") for item in body.get("failed", []) if isinstance(item, dict)
        ]
    return details


def console_bulk(key: str, form_field: str) -> Extractor:
    def read(context: Context) -> dict[str, Any]:
        body = context.response_json()
        details: dict[str, Any] = form(lists=(form_field,))(context)
        if isinstance(body, dict):
            items = body.get(key, [])
            details[key] = [
                item.get("roomId") if isinstance(item, dict) else item for item in items
            ]
        return details

    return read


def some_succeeded(key: str) -> Callable[[Context], bool]:
    """A bulk deletion is a 400 when some items failed: it still deleted the others."""

    def check(context: Context) -> bool:
        if _is_2xx(context):
            return True
        body = context.response_json()
        return (
            context.response.status_code == 400 and isinstance(body, dict) and bool(body.get(key))
        )

    return check


def _error_flashed(request: HttpRequest) -> bool:
    # The console reports a refused form post with an error message and a redirect; the
    # messages it queued during this request are still on the request's storage.
    storage = getattr(request, "_messages", None)
    queued = getattr(storage, "_queued_messages", [])
    return any(message.level >= django_messages.ERROR for message in queued)


def console_done(context: Context) -> bool:
    """A console form post succeeded: it redirected (a refused form renders the page again)
    without flashing an error."""
    return context.response.status_code in (302, 303) and not _error_flashed(context.request)


def console_bulk_done(key: str) -> Callable[[Context], bool]:
    def check(context: Context) -> bool:
        if context.response.status_code == 200:  # console.js's JSON batches
            body = context.response_json()
            return isinstance(body, dict) and bool(body.get(key))
        return context.response.status_code in (302, 303) and not (
            _error_flashed(context.request) and not _success_flashed(context.request)
        )

    return check


def _success_flashed(request: HttpRequest) -> bool:
    storage = getattr(request, "_messages", None)
    queued = getattr(storage, "_queued_messages", [])
    return any(message.level == django_messages.SUCCESS for message in queued)


def redirected(context: Context) -> bool:
    return context.response.status_code in (302, 303)


def login_refused(context: Context) -> bool:
    """A refused login: a 4xx from the API (wrong credentials, invalid body). A 429 checked no
    credentials and is not recorded: a flood past the rate limit writes nothing."""
    return 400 <= context.response.status_code < 500 and context.response.status_code != 429


def console_login_refused(context: Context) -> bool:
    """The console's sign-in page shown again with the form's error (a 429 is not recorded)."""
    return context.response.status_code == 200


# --- The table --------------------------------------------------------------------------------

ROOM = "room"
RECORDING = "recording"
CONFIG = "global_config"

API_RULES: dict[tuple[type, str], Rule] = {
    # Rooms (api-contract §4)
    (meeting_views.RoomListView, "POST"): Rule(
        "room.create",
        ROOM,
        response_field("roomId"),
        lambda context: {"roomName": response_field("roomName")(context)},
    ),
    (meeting_views.RoomListView, "DELETE"): Rule(
        "room.bulk_delete",
        ROOM,
        details=with_status(bulk_rooms),
        succeeded=some_succeeded("successful"),
    ),
    (meeting_views.RoomDetailView, "DELETE"): Rule(
        "room.delete", ROOM, kwarg("roomId"), with_status(query("withMeeting", "withRecordings"))
    ),
    (meeting_views.RoomConfigView, "PUT"): Rule(
        "room.config_update", ROOM, kwarg("roomId"), whole_request_body, reads_body=True
    ),
    (room_public.RoomStatusView, "PUT"): Rule(
        "room.status_update",
        ROOM,
        kwarg("roomId"),
        lambda context: {
            "status": request_field("status")(context),
            "scheduled": context.response.status_code == 202,
        },
        reads_body=True,
    ),
    # Meetings and participants
    (room_internal.MeetingView, "DELETE"): Rule("meeting.end", ROOM, kwarg("roomId")),
    (room_internal.MeetingParticipantView, "DELETE"): Rule(
        "participant.kick",
        "participant",
        kwarg("participantIdentity"),
        lambda context: {"roomId": context.kwargs.get("roomId", "")},
    ),
    (room_internal.MeetingParticipantRoleView, "PUT"): Rule(
        "participant.role_change",
        "participant",
        kwarg("participantIdentity"),
        lambda context: {
            "roomId": context.kwargs.get("roomId", ""),
            "role": request_field("role")(context),
        },
        reads_body=True,
    ),
    # Recordings (api-contract §5)
    (recording_internal.RecordingStartView, "POST"): Rule(
        "recording.start",
        RECORDING,
        response_field("recordingId"),
        lambda context: {"roomId": response_field("roomId")(context)},
        actor="participant",
    ),
    (recording_internal.RecordingStopView, "POST"): Rule(
        "recording.stop", RECORDING, kwarg("recordingId"), actor="participant"
    ),
    (recording_public.RecordingDetailView, "DELETE"): Rule(
        "recording.delete", RECORDING, kwarg("recordingId")
    ),
    (recording_public.RecordingListView, "DELETE"): Rule(
        "recording.bulk_delete",
        RECORDING,
        details=with_status(bulk_recordings),
        succeeded=some_succeeded("deleted"),
    ),
    # Global config
    (account_views.WebhooksConfigView, "PUT"): Rule(
        "config.webhooks_update", CONFIG, lambda _: "webhooks", whole_request_body, reads_body=True
    ),
    (account_views.SecurityConfigView, "PUT"): Rule(
        "config.security_update", CONFIG, lambda _: "security", whole_request_body, reads_body=True
    ),
    (account_views.RoomsAppearanceConfigView, "PUT"): Rule(
        "config.appearance_update",
        CONFIG,
        lambda _: "rooms.appearance",
        whole_request_body,
        reads_body=True,
    ),
    # API keys, users, sessions
    (account_views.ApiKeysView, "POST"): Rule("api_key.create", "api_key"),
    (account_views.ApiKeysView, "DELETE"): Rule("api_key.delete", "api_key"),
    (account_views.ChangePasswordView, "POST"): Rule(
        "user.password_change",
        "user",
        lambda context: getattr(context.request.user, "username", ""),
    ),
    (account_views.LoginView, "POST"): Rule(
        "auth.login",
        "user",
        request_field("username"),
        with_status(),
        failure_action="auth.login_failed",
        actor="login",
        reads_body=True,
    ),
    (account_views.LogoutView, "POST"): Rule("auth.logout", "user", actor="logout"),
}


# console.views.base.SESSION_USER (the console sits above this package; a test checks they agree).
CONSOLE_SESSION_USER = "console_user"


def _console_session_user(request: HttpRequest) -> str:
    """The username of the console session a logout ends, read before the view flushes it."""
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not session_key:
        return ""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    username = store.get(CONSOLE_SESSION_USER)
    return username if isinstance(username, str) else ""


CONSOLE_RULES: dict[str, Rule] = {
    "console:login": Rule(
        "auth.login",
        "user",
        lambda context: context.request.POST.get("username", ""),
        lambda context: {"via": "console", "status": context.response.status_code},
        succeeded=redirected,
        failure_action="auth.login_failed",
        actor="login",
    ),
    "console:logout": Rule(
        "auth.logout",
        "user",
        lambda context: context.before or "",
        lambda _: {"via": "console"},
        succeeded=redirected,
        actor="console_logout",
        before=_console_session_user,
    ),
    "console:account": Rule(
        "user.password_change",
        "user",
        lambda context: getattr(context.request, "console_user", None).username,  # type: ignore[union-attr]
        succeeded=console_done,
        actor="console",
    ),
    "console:room_create": Rule(
        "room.create",
        ROOM,
        room_target_from_location,
        form("room_name", "auto_deletion_date"),
        succeeded=console_done,
        actor="console",
    ),
    "console:room_bulk_delete": Rule(
        "room.bulk_delete",
        ROOM,
        details=console_bulk("successful", "room_ids"),
        succeeded=console_bulk_done("successful"),
        actor="console",
    ),
    "console:room_config": Rule(
        "room.config_update", ROOM, kwarg("room_id"), succeeded=console_done, actor="console"
    ),
    "console:room_status": Rule(
        "room.status_update",
        ROOM,
        kwarg("room_id"),
        form("status"),
        succeeded=console_done,
        actor="console",
    ),
    "console:room_delete": Rule(
        "room.delete",
        ROOM,
        kwarg("room_id"),
        form("with_meeting", "with_recordings"),
        succeeded=console_done,
        actor="console",
    ),
    "console:recording_delete": Rule(
        "recording.delete",
        RECORDING,
        kwarg("recording_id"),
        succeeded=console_done,
        actor="console",
    ),
    "console:recording_bulk_delete": Rule(
        "recording.bulk_delete",
        RECORDING,
        details=console_bulk("deleted", "recording_ids"),
        succeeded=console_bulk_done("deleted"),
        actor="console",
    ),
    "console:settings_security": Rule(
        "config.security_update",
        CONFIG,
        lambda _: "security",
        form("auth_mode_to_access_room", "auth_transport_mode"),
        succeeded=console_done,
        actor="console",
    ),
    "console:settings_webhooks": Rule(
        "config.webhooks_update",
        CONFIG,
        lambda _: "webhooks",
        form("enabled", "url"),
        succeeded=console_done,
        actor="console",
    ),
    "console:settings_appearance": Rule(
        "config.appearance_update",
        CONFIG,
        lambda _: "rooms.appearance",
        succeeded=console_done,
        actor="console",
    ),
    "console:api_key_generate": Rule(
        "api_key.create", "api_key", succeeded=console_done, actor="console"
    ),
    "console:api_key_revoke": Rule(
        "api_key.delete", "api_key", succeeded=console_done, actor="console"
    ),
    "console:maintenance_run": Rule(
        "maintenance.run", "collector", kwarg("collector"), succeeded=console_done, actor="console"
    ),
}


def api_rule(view_class: type | None, method: str) -> Rule | None:
    if view_class is None:
        return None
    return API_RULES.get((view_class, method))


def console_rule(url_name: str | None, method: str) -> Rule | None:
    if method != "POST" or not url_name:
        return None
    return CONSOLE_RULES.get(url_name)
