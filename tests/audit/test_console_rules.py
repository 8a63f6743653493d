"""The console's form posts recorded by the rules table (console URL names), and the console's
audit page with its filters and pages (Django's test client)."""

from __future__ import annotations

import re
from collections.abc import Callable
from http import HTTPStatus

import pytest
from django.test import Client

from audit_http import rules
from console.views.base import SESSION_USER
from rooms import services as room_services
from tests.audit.helpers import actions, clear_events, only, put_event
from tests.recordings.helpers import store_recording

ROOM_FORM = {
    "room_name": "Board meeting",
    "with_meeting": "force",
    "with_recordings": "close",
    "allow_access_to": "admin_moderator",
    "recording_enabled": "on",
}


def signed_in() -> Client:
    client = Client()
    response = client.post("/console/login/", {"username": "admin", "password": "admin"})
    assert response.status_code == HTTPStatus.FOUND
    return client


def new_room() -> str:
    return room_services.create_room(options=room_services.RoomOptions(room_name="Team")).room_id


# action -> request (returns the expected target id)
SCENARIOS: dict[str, Callable[[Client], str]] = {}


def scenario(action: str) -> Callable[[Callable[[Client], str]], Callable[[Client], str]]:
    def register(function: Callable[[Client], str]) -> Callable[[Client], str]:
        SCENARIOS[action] = function
        return function

    return register


@scenario("room.create")
def _create(console: Client) -> str:
    response = console.post("/console/rooms/new/", ROOM_FORM)
    match = re.fullmatch(r"/console/rooms/([^/]+)/", response["Location"])
    assert match is not None
    return match.group(1)


@scenario("room.config_update")
def _config(console: Client) -> str:
    room_id = new_room()
    clear_events()
    console.post(f"/console/rooms/{room_id}/config/", {"allow_access_to": "admin"})
    return room_id


@scenario("room.status_update")
def _status(console: Client) -> str:
    room_id = new_room()
    clear_events()
    console.post(f"/console/rooms/{room_id}/status/", {"status": "closed"})
    return room_id


@scenario("room.delete")
def _delete(console: Client) -> str:
    room_id = new_room()
    clear_events()
    form = {"with_meeting": "force", "with_recordings": "force"}
    assert console.post(f"/console/rooms/{room_id}/delete/", form).status_code == 302
    return room_id


@scenario("room.bulk_delete")
def _bulk(console: Client) -> str:
    first, second = new_room(), new_room()
    clear_events()
    form = {"room_ids": [first, second], "with_meeting": "force", "with_recordings": "force"}
    console.post("/console/rooms/delete/", form, HTTP_ACCEPT="application/json")
    return ""


@scenario("recording.delete")
def _recording(console: Client) -> str:
    recording = store_recording()
    console.post(f"/console/recordings/{recording['recordingId']}/delete/")
    return str(recording["recordingId"])


@scenario("recording.bulk_delete")
def _recordings(console: Client) -> str:
    ids = [store_recording()["recordingId"], store_recording()["recordingId"]]
    console.post("/console/recordings/delete/", {"recording_ids": ids})
    return ""


@scenario("config.security_update")
def _security(console: Client) -> str:
    form = {"auth_mode_to_access_room": "all_users", "auth_transport_mode": "header"}
    assert console.post("/console/settings/security/", form).status_code == 302
    return "security"


@scenario("config.webhooks_update")
def _webhooks(console: Client) -> str:
    form = {"enabled": "on", "url": "https://hooks.example.com/x"}
    assert console.post("/console/settings/webhooks/", form).status_code == 302
    return "webhooks"


@scenario("config.appearance_update")
def _appearance(console: Client) -> str:
    form = {"name": "corp", "base_theme": "dark", "enabled": "on"}
    assert console.post("/console/settings/appearance/", form).status_code == 302
    return "rooms.appearance"


@scenario("api_key.create")
def _key(console: Client) -> str:
    console.post("/console/api-key/generate/")
    return ""


@scenario("api_key.delete")
def _revoke(console: Client) -> str:
    console.post("/console/api-key/revoke/")
    return ""


@scenario("user.password_change")
def _password(console: Client) -> str:
    form = {"current_password": "admin", "new_password": "new-pass", "confirm_password": "new-pass"}
    assert console.post("/console/account/", form).status_code == 302
    return "admin"


@scenario("maintenance.run")
def _maintenance(console: Client) -> str:
    from console.views import operations

    collector = next(iter(operations.COLLECTORS))
    assert console.post(f"/console/maintenance/{collector}/run/").status_code == 302
    return collector


@scenario("auth.logout")
def _logout(console: Client) -> str:
    console.post("/console/logout/")
    return "admin"


@pytest.mark.parametrize("action", sorted(SCENARIOS))
def test_each_console_rule_records_its_event(initialized: None, action: str) -> None:
    console = signed_in()
    clear_events()
    target = SCENARIOS[action](console)
    event = only(action)
    assert event["targetId"] == target
    assert event["actor"]["kind"] == "user"
    assert event["actor"]["name"] == "admin"
    assert event["actor"]["ip"] == "127.0.0.1"


def test_the_table_test_covers_every_console_rule() -> None:
    ruled = {rule.action for rule in rules.CONSOLE_RULES.values()}
    assert ruled == set(SCENARIOS) | {"auth.login"}
    assert rules.CONSOLE_SESSION_USER == SESSION_USER


def test_console_sign_in_and_a_refused_one(initialized: None) -> None:
    clear_events()
    signed_in()
    event = only("auth.login")
    assert (event["actor"]["kind"], event["actor"]["name"]) == ("user", "admin")
    assert event["details"] == {"via": "console", "status": 302}
    Client().post("/console/login/", {"username": "admin", "password": "wrong-one"})
    failed = only("auth.login_failed")
    assert failed["outcome"] == "failure"
    assert (failed["actor"]["kind"], failed["actor"]["name"]) == ("anonymous", "admin")
    assert "wrong-one" not in str(failed)


def test_refused_console_forms_record_nothing(initialized: None) -> None:
    console = signed_in()
    room_id = new_room()
    clear_events()
    console.post("/console/rooms/new/", {**ROOM_FORM, "auto_deletion_date": "2000-01-01T00:00"})
    console.post(f"/console/rooms/{room_id}/status/", {"status": "bogus"})
    console.post("/console/settings/webhooks/", {"enabled": "on", "url": ""})
    form = {"current_password": "nope", "new_password": "new-pass", "confirm_password": "new-pass"}
    console.post("/console/account/", form)
    console.get("/console/rooms/")
    assert actions() == []


# --- The page ---------------------------------------------------------------------------------


def test_the_page_lists_filters_and_pages(initialized: None) -> None:
    console = signed_in()
    clear_events()
    for number in range(60):
        action = "room.delete" if number % 2 else "recording.delete"
        put_event(1_760_000_000_000 + number * 1000, action, target_id=f"T{number}", number=number)
    response = console.get("/console/audit/")
    assert response.status_code == HTTPStatus.OK
    assert len(response.context["events"]) == 50
    assert response.context["events"][0].target_id == "T59"
    next_page = response.context["next_page"]
    assert next_page
    assert b'aria-current="page">Audit log' in response.content
    second = console.get("/console/audit/", {"page": next_page})
    assert [event.target_id for event in second.context["events"]] == [
        f"T{n}" for n in range(9, -1, -1)
    ]
    assert second.context["next_page"] is None
    filtered = console.get("/console/audit/", {"action": "room.", "target_id": "T7"})
    assert [event.target_id for event in filtered.context["events"]] == ["T7"]
    timed = console.get(
        "/console/audit/", {"since": "2025-10-09T08:54", "until": "2025-10-09T08:54:05"}
    )
    # T0 is 08:53:20 UTC, one event a second: 08:54:00-08:54:05 are T40-T45.
    assert [event.target_id for event in timed.context["events"]] == [
        f"T{n}" for n in range(45, 39, -1)
    ]
    assert timed.context["filters"]["since"] == "2025-10-09T08:54"


def test_the_page_needs_a_signed_in_admin(initialized: None) -> None:
    response = Client().get("/console/audit/")
    assert response.status_code == HTTPStatus.FOUND
    assert "/console/login/" in response["Location"]
