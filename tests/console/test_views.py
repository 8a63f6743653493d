"""The console's views through Django's test client: sign-in, sessions, CSRF, forms, actions."""

from __future__ import annotations

import dataclasses
import re
import time
import zipfile
from http import HTTPStatus
from io import BytesIO
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from accounts import services as accounts_services
from meet import locks
from recordings import selectors as queries
from recordings.domain import parse_recording_id
from rooms import services as room_services
from rooms.domain import AutoDeletionPolicy, RoomStatus
from rooms.errors import RoomNotFoundError
from tests.recordings.helpers import SAMPLE_MP4, store_recording
from webhooks import services as webhook_services

PAGES = [
    "/console/",
    "/console/rooms/",
    "/console/rooms/new/",
    "/console/recordings/",
    "/console/settings/",
    "/console/api-key/",
    "/console/account/",
    "/console/maintenance/",
]
SESSION_COOKIE = "OvMeetConsoleSession"


def signed_in(client: Client | None = None, password: str = "admin") -> Client:
    client = client or Client()
    response = client.post("/console/login/", {"username": "admin", "password": password})
    assert response.status_code == HTTPStatus.FOUND, response.content
    return client


@pytest.fixture
def console(initialized: None) -> Client:
    return signed_in()


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def new_room(name: str = "Team", **options: Any) -> Any:
    return room_services.create_room(options=room_services.RoomOptions(room_name=name, **options))


# --- Signing in -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_every_page_asks_for_sign_in(initialized: None, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"/console/login/?next={path.replace('/', '%2F')}"


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_for_the_admin(console: Client, path: str) -> None:
    response = console.get(path)
    assert response.status_code == HTTPStatus.OK
    assert response["X-Frame-Options"] == "DENY"
    assert "no-store" in response["Cache-Control"]


def test_the_root_and_the_bare_prefix_lead_to_the_console(initialized: None) -> None:
    assert Client().get("/")["Location"] == "/console/"
    assert Client().get("/console")["Location"] == "/console/"
    not_found = APIClient().post("/")
    assert not_found.status_code == HTTPStatus.NOT_FOUND
    assert not_found.json() == {"error": "Path Not Found", "message": "API path not implemented"}


def test_signing_in_goes_to_the_requested_page_only_inside_the_console(
    initialized: None,
) -> None:
    response = Client().post(
        "/console/login/",
        {"username": "admin", "password": "admin", "next": "/console/settings/"},
    )
    assert response["Location"] == "/console/settings/"
    for target in ("https://evil.example/console/", "//evil.example/", "/api/v1/rooms"):
        response = Client().post(
            "/console/login/", {"username": "admin", "password": "admin", "next": target}
        )
        assert response["Location"] == "/console/"


def test_a_wrong_password_is_refused_with_the_api_message(initialized: None) -> None:
    response = Client().post("/console/login/", {"username": "admin", "password": "nope1"})
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].non_field_errors() == ["Invalid username or password"]
    assert SESSION_COOKIE not in response.cookies


def test_short_credentials_get_the_api_validation_messages(initialized: None) -> None:
    response = Client().post("/console/login/", {"username": "ad", "password": "x"})
    form = response.context["form"]
    assert form.errors == {
        "username": ["Username must be at least 4 characters long"],
        "password": ["Password must be at least 4 characters long"],
    }


def test_the_sixth_attempt_is_rate_limited_even_with_the_right_password(
    initialized: None,
) -> None:
    client = Client()
    for attempt in range(5):
        client.post("/console/login/", {"username": "admin", "password": f"wrong{attempt}"})
    response = client.post("/console/login/", {"username": "admin", "password": "admin"})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert int(response["Retry-After"]) > 0
    assert response.context["form"].non_field_errors() == [
        "Too many login attempts, please try again later"
    ]
    assert SESSION_COOKIE not in response.cookies


def test_console_and_api_share_one_login_limit(initialized: None) -> None:
    api = APIClient()
    for attempt in range(5):
        failed = api.post(
            "/internal-api/v1/auth/login",
            {"username": "admin", "password": f"wrong{attempt}"},
            format="json",
        )
        assert failed.status_code == HTTPStatus.NOT_FOUND
    response = Client().post("/console/login/", {"username": "admin", "password": "admin"})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_successful_sign_ins_do_not_count(initialized: None) -> None:
    for _ in range(7):
        signed_in()


def test_the_session_cookie_is_scoped_httponly_and_expires(initialized: None) -> None:
    response = Client().post("/console/login/", {"username": "admin", "password": "admin"})
    cookie = response.cookies[SESSION_COOKIE]
    assert cookie["path"] == "/console/"
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == ""  # ends with the browser...
    ttl = cache.ttl(f"django.contrib.sessions.cache{cookie.value}")
    assert 8 * 3600 - 60 < ttl <= 8 * 3600  # ...and after 8 hours on the server


def test_signing_out_ends_the_session(console: Client) -> None:
    response = console.post("/console/logout/")
    assert response["Location"] == "/console/login/"
    assert console.get("/console/").status_code == HTTPStatus.FOUND


def test_the_api_stays_stateless_next_to_the_console(console: Client) -> None:
    """An admin browser carries the console's cookies; the API ignores them and sets none."""
    response = console.get("/internal-api/v1/config/security")
    assert response.status_code == HTTPStatus.OK
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")
    unauthenticated = console.get("/api/v1/rooms")
    assert unauthenticated.status_code == HTTPStatus.UNAUTHORIZED
    login = Client(enforce_csrf_checks=True).post(
        "/internal-api/v1/auth/login",
        {"username": "admin", "password": "admin"},
        content_type="application/json",
    )
    assert login.status_code == HTTPStatus.OK  # no CSRF on the API
    assert not login.cookies


def test_a_password_change_signs_out_the_other_sessions(console: Client) -> None:
    other = signed_in()
    response = console.post(
        "/console/account/",
        {
            "current_password": "admin",
            "new_password": "better-pass",
            "confirm_password": "better-pass",
        },
        follow=True,
    )
    assert "Password changed. Other sessions were signed out." in messages_of(response)
    assert console.get("/console/").status_code == HTTPStatus.OK
    assert other.get("/console/").status_code == HTTPStatus.FOUND
    signed_in(password="better-pass")


def test_password_form_errors(console: Client) -> None:
    response = console.post(
        "/console/account/",
        {"current_password": "nope", "new_password": "abc", "confirm_password": "abd"},
    )
    assert response.context["form"].errors == {
        "confirm_password": ["The two passwords differ"],
        "new_password": ["New password must be at least 5 characters long"],
    }
    response = console.post(
        "/console/account/",
        {"current_password": "nope", "new_password": "abcdef", "confirm_password": "abcdef"},
    )
    assert response.context["form"].errors == {"current_password": ["Invalid current password"]}


# --- CSRF -------------------------------------------------------------------------------------


def test_posts_without_the_csrf_token_are_refused(initialized: None) -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post(
        "/console/login/", {"username": "admin", "password": "admin"}
    ).status_code == (HTTPStatus.FORBIDDEN)
    page = client.get("/console/login/")
    token = page.context["csrf_token"]
    response = client.post(
        "/console/login/",
        {"username": "admin", "password": "admin", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == HTTPStatus.FOUND
    refused = client.post("/console/rooms/new/", {"room_name": "Sneaky"})
    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert b"The form expired or came from another site" in refused.content
    assert room_services.list_rooms(room_id_prefix="", limit=10, page_token=None).items == []
    token = client.get("/console/rooms/new/").context["csrf_token"]
    created = client.post(
        "/console/rooms/new/",
        {
            "room_name": "Fine",
            "with_meeting": "when_meeting_ends",
            "with_recordings": "close",
            "allow_access_to": "admin",
            "csrfmiddlewaretoken": token,
        },
    )
    assert created.status_code == HTTPStatus.FOUND


def test_json_posts_use_the_csrf_header(console: Client, initialized: None) -> None:
    client = Client(enforce_csrf_checks=True)
    client.cookies = console.cookies
    token = str(client.get("/console/rooms/").context["csrf_token"])
    room = new_room()
    refused = client.post(
        "/console/rooms/delete/",
        {"room_ids": room.room_id, "with_meeting": "fail", "with_recordings": "fail"},
        HTTP_ACCEPT="application/json",
    )
    assert refused.status_code == HTTPStatus.FORBIDDEN
    accepted = client.post(
        "/console/rooms/delete/",
        {"room_ids": room.room_id, "with_meeting": "fail", "with_recordings": "fail"},
        HTTP_ACCEPT="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert accepted.json()["successful"][0]["roomId"] == room.room_id


# --- Rooms ------------------------------------------------------------------------------------

ROOM_FORM = {
    "room_name": "Board meeting",
    "with_meeting": "force",
    "with_recordings": "close",
    "allow_access_to": "admin_moderator",
    "recording_enabled": "on",
    "virtual_background_enabled": "on",
}


def test_creating_a_room_with_every_option(console: Client) -> None:
    when = int(time.time()) + 3 * 3600
    local = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(when + 120 * 60))
    response = console.post(
        "/console/rooms/new/",
        {**ROOM_FORM, "auto_deletion_date": local, "timezone_offset": "-120"},
    )
    room_id = re.fullmatch(r"/console/rooms/(Boardmeeting-[a-z0-9]{15})/", response["Location"])
    assert room_id is not None
    room = room_services.get_room(room_id.group(1))
    assert room.room_name == "Board meeting"
    assert room.auto_deletion_date == (when - when % 60) * 1000  # UTC+2 wall clock read as such
    assert room.auto_deletion_policy == AutoDeletionPolicy(
        with_meeting="force", with_recordings="close"
    )
    assert room.config.chat_enabled is False
    assert room.config.virtual_background_enabled is True
    assert room.config.recording.enabled is True
    assert room.config.recording.allow_access_to == "admin_moderator"


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"room_name": "x" * 51}, {"room_name": ["roomName cannot exceed 50 characters"]}),
        (
            {"auto_deletion_date": "2020-01-01T10:00"},
            {"auto_deletion_date": ["autoDeletionDate must be at least 1h in the future"]},
        ),
        (
            {"with_meeting": "fail"},
            {"with_meeting": ["Select a valid choice. fail is not one of the available choices."]},
        ),
        (
            {"allow_access_to": "everyone"},
            {
                "allow_access_to": [
                    "Select a valid choice. everyone is not one of the available choices."
                ]
            },
        ),
    ],
)
def test_room_form_errors_are_the_api_rules(
    console: Client, fields: dict[str, str], errors: dict[str, list[str]]
) -> None:
    response = console.post("/console/rooms/new/", {**ROOM_FORM, **fields})
    assert response.status_code == HTTPStatus.OK
    assert response.context["form"].errors == errors
    assert room_services.list_rooms(room_id_prefix="", limit=10, page_token=None).items == []


def test_room_list_searches_by_id_prefix_and_pages(console: Client) -> None:
    for index in range(22):
        new_room(f"Alpha {index:02d}")
    new_room("Beta")
    first = console.get("/console/rooms/", {"q": "Alpha"})
    assert len(first.context["rooms"]) == 20
    assert all(room.room_name.startswith("Alpha") for room in first.context["rooms"])
    second = console.get("/console/rooms/", {"q": "Alpha", "page": first.context["next_page"]})
    assert len(second.context["rooms"]) == 2
    assert second.context["next_page"] is None


def test_room_detail_shows_both_links_with_this_host(console: Client) -> None:
    room = new_room()
    response = console.get(f"/console/rooms/{room.room_id}/", HTTP_HOST="meet.example.com")
    assert response.context["moderator_url"] == f"http://meet.example.com{room.moderator_url}"
    assert response.context["speaker_url"] == f"http://meet.example.com{room.speaker_url}"
    assert console.get("/console/rooms/ghost-1/").status_code == HTTPStatus.NOT_FOUND


def test_editing_the_config_and_the_status(console: Client) -> None:
    room = new_room()
    console.post(
        f"/console/rooms/{room.room_id}/config/",
        {"allow_access_to": "admin", "recording_enabled": "on"},
    )
    config = room_services.get_room(room.room_id).config
    assert (config.chat_enabled, config.virtual_background_enabled) == (False, False)
    assert config.recording.allow_access_to == "admin"
    response = console.post(
        f"/console/rooms/{room.room_id}/status/", {"status": "closed"}, follow=True
    )
    assert "Room closed." in messages_of(response)
    assert room_services.get_room(room.room_id).status == RoomStatus.CLOSED


def test_deleting_a_room_with_recordings_follows_the_chosen_policy(console: Client) -> None:
    room = new_room()
    store_recording(room.room_id)
    refused = console.post(
        f"/console/rooms/{room.room_id}/delete/",
        {"with_meeting": "fail", "with_recordings": "fail"},
        follow=True,
    )
    assert messages_of(refused) == [
        f"Room '{room.room_id}' cannot be deleted because it has recordings."
    ]
    closed = console.post(
        f"/console/rooms/{room.room_id}/delete/",
        {"with_meeting": "fail", "with_recordings": "close"},
        follow=True,
    )
    assert room_services.get_room(room.room_id).status == RoomStatus.CLOSED
    assert closed.redirect_chain[-1][0] == f"/console/rooms/{room.room_id}/"
    deleted = console.post(
        f"/console/rooms/{room.room_id}/delete/",
        {"with_meeting": "fail", "with_recordings": "force"},
        follow=True,
    )
    assert deleted.redirect_chain[-1][0] == "/console/rooms/"
    assert messages_of(deleted) == [
        f"Room '{room.room_id}' and its recordings deleted successfully"
    ]
    with pytest.raises(RoomNotFoundError):
        room_services.get_room(room.room_id)


def test_bulk_delete_reports_each_room(console: Client) -> None:
    keep = new_room("Keep")
    store_recording(keep.room_id)
    gone = new_room("Gone")
    response = console.post(
        "/console/rooms/delete/",
        {
            "room_ids": [keep.room_id, gone.room_id],
            "with_meeting": "fail",
            "with_recordings": "fail",
        },
        HTTP_ACCEPT="application/json",
    )
    assert response.json() == {
        "successful": [
            {"roomId": gone.room_id, "message": f"Room '{gone.room_id}' deleted successfully"}
        ],
        "failed": [
            {
                "roomId": keep.room_id,
                "message": f"Room '{keep.room_id}' cannot be deleted because it has recordings.",
            }
        ],
    }
    nothing = console.post(
        "/console/rooms/delete/",
        {"with_meeting": "fail", "with_recordings": "fail"},
        HTTP_ACCEPT="application/json",
    )
    assert nothing.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert nothing.json()["errors"] == {
        "room_ids": ["At least one valid roomId is required after sanitization"]
    }


# --- Recordings -------------------------------------------------------------------------------


def test_recordings_are_filtered_by_room_and_status(console: Client) -> None:
    complete = store_recording("RoomA-1")
    failed = store_recording("RoomA-1", status="failed")
    other = store_recording("RoomB-2")
    by_room = console.get("/console/recordings/", {"room": "RoomA-1"}).context["recordings"]
    assert {r.recording_id for r in by_room} == {complete["recordingId"], failed["recordingId"]}
    by_status = console.get("/console/recordings/", {"status": "complete"}).context["recordings"]
    assert {r.recording_id for r in by_status} == {complete["recordingId"], other["recordingId"]}
    both = console.get("/console/recordings/", {"room": "RoomA-1", "status": "failed"})
    assert [r.recording_id for r in both.context["recordings"]] == [failed["recordingId"]]


def test_media_honours_range_and_downloads(console: Client) -> None:
    recording = store_recording("RoomA-1")
    url = f"/console/recordings/{recording['recordingId']}/media/"
    partial = console.get(url, HTTP_RANGE="bytes=100-199")
    assert partial.status_code == HTTPStatus.PARTIAL_CONTENT
    assert partial["Content-Range"] == f"bytes 100-199/{len(SAMPLE_MP4)}"
    assert b"".join(partial.streaming_content) == SAMPLE_MP4[100:200]
    whole = console.get(url, {"download": "1"})
    assert whole.status_code == HTTPStatus.OK
    uid = recording["recordingId"].split("--")[2]
    assert whole["Content-Disposition"] == f'attachment; filename="RoomA-1--{uid}.mp4"'
    assert b"".join(whole.streaming_content) == SAMPLE_MP4
    assert Client().get(url).status_code == HTTPStatus.FOUND  # signed out: no media


def test_zip_of_selected_recordings(console: Client) -> None:
    first = store_recording("RoomA-1")
    second = store_recording("RoomA-1")
    response = console.post(
        "/console/recordings/download/",
        {"recording_ids": [first["recordingId"], second["recordingId"]]},
    )
    assert response["Content-Disposition"] == 'attachment; filename="recordings.zip"'
    archive = zipfile.ZipFile(BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == sorted([first["filename"], second["filename"]])
    invalid = console.get("/console/recordings/download/", {"recording_ids": "nope"})
    assert invalid.status_code == HTTPStatus.UNPROCESSABLE_ENTITY


def test_share_links_and_deletion(console: Client) -> None:
    recording = store_recording("RoomA-1")
    recording_id = recording["recordingId"]
    shared = console.post(
        f"/console/recordings/{recording_id}/share/",
        {"access": "private"},
        HTTP_ACCEPT="application/json",
    )
    assert shared.json() == {
        "url": f"http://testserver/recording/{recording_id}?secret=3b92e95b2b",
        "private": True,
    }
    active = store_recording("RoomA-1", status="active")
    response = console.post(
        "/console/recordings/delete/",
        {"recording_ids": [recording_id, active["recordingId"]]},
        HTTP_ACCEPT="application/json",
    )
    assert response.json() == {
        "deleted": [recording_id],
        "failed": [
            {
                "recordingId": active["recordingId"],
                "message": f"Recording '{active['recordingId']}' is not stopped yet",
            }
        ],
    }
    parsed = parse_recording_id(active["recordingId"])
    assert parsed is not None and queries.get_recording(parsed).status == "active"
    refused = console.post(f"/console/recordings/{active['recordingId']}/delete/")
    assert refused.status_code == HTTPStatus.CONFLICT


# --- Settings, API key, overview, maintenance -------------------------------------------------


def test_settings_forms_apply_the_api_rules(console: Client) -> None:
    response = console.post("/console/settings/webhooks/", {"enabled": "on", "url": ""})
    assert response.context["webhooks_form"].errors == {
        "url": ["URL is required when webhooks are enabled"]
    }
    response = console.post(
        "/console/settings/appearance/",
        {"name": "bad name", "base_theme": "light", "primary_color": "blue"},
    )
    assert response.context["appearance_form"].errors == {
        "name": ["Theme name can only contain letters, numbers, hyphens and underscores"],
        "primary_color": ["Must be a valid hex color code (with or without alpha)"],
    }
    console.post(
        "/console/settings/security/",
        {"auth_mode_to_access_room": "all_users", "auth_transport_mode": "header"},
    )
    config = accounts_services.get_global_config().authentication
    assert config.auth_mode_to_access_room == "all_users"


def test_the_webhook_test_reports_a_failure(console: Client) -> None:
    accounts_services.create_api_key()
    response = console.post(
        "/console/settings/webhooks/test/",
        {"enabled": "on", "url": "http://127.0.0.1:1/hook"},
        follow=True,
    )
    assert messages_of(response) == [
        "Webhook test failed: Webhook URL 'http://127.0.0.1:1/hook' is invalid: "
        "Connection refused by server"
    ]


def test_recent_webhook_deliveries_are_listed(console: Client) -> None:
    accounts_services.create_api_key()
    accounts_services.update_webhooks_config(enabled=True, url="http://127.0.0.1:1/hook")
    webhook_services.attempt_delivery(
        delivery_id="d1", event="recordingEnded", data={}, creation_date=1, attempt=3
    )
    deliveries = console.get("/console/settings/").context["deliveries"]
    assert [(d.event, d.status, d.attempts, d.last_result) for d in deliveries] == [
        ("recordingEnded", "retrying", 3, "Connection refused by server")
    ]


def test_the_api_key_is_shown_once_then_revoked(console: Client) -> None:
    console.post("/console/api-key/generate/")
    key = accounts_services.list_api_keys()[0].key
    assert console.get("/console/api-key/").context["revealed"] == key
    page = console.get("/console/api-key/")
    assert page.context["revealed"] is None
    assert key.encode() not in page.content
    console.post("/console/api-key/revoke/")
    assert accounts_services.list_api_keys() == []


def test_the_overview_counts_rooms_meetings_and_recordings(console: Client) -> None:
    new_room("One")
    live = new_room("Two")
    room_services.save_room(dataclasses.replace(live, status=RoomStatus.ACTIVE_MEETING))
    store_recording("One-1")
    store_recording("One-1")
    store_recording("One-1", status="failed")
    counts = console.get("/console/").context["counts"]
    assert (counts.rooms, counts.live_meetings) == (2, 1)
    assert counts.recordings_by_status == {"complete": 2, "failed": 1}
    assert counts.recordings == 3


def test_maintenance_shows_locks_and_runs_the_collectors(
    console: Client, settings: Any, livekit_sim: Any
) -> None:
    settings.RECORDING_LOCK_GRACE_SECONDS = 0
    locks.acquire("recording_active_Lonely-1", ttl_seconds=3600)
    expired = new_room("Old", auto_deletion_date=int(time.time() * 1000) - 1000)
    time.sleep(0.01)
    page = console.get("/console/maintenance/")
    snapshot = page.context["snapshot"]
    assert [(lock.room_id, lock.collectable) for lock in snapshot.locks] == [("Lonely-1", True)]
    assert snapshot.locks[0].expires_in_seconds > 3500
    assert snapshot.expired_rooms.items == [expired.room_id]
    assert (
        snapshot.stale_recordings.line
        == "0 examined, 0 to abort, 0 kept, 0 error(s) (dry run, nothing changed)"
    )

    released = console.post("/console/maintenance/orphaned-locks/run/", follow=True)
    assert messages_of(released) == [
        "Orphaned recording locks: 1 examined, 1 released, 0 kept, 0 error(s)"
    ]
    assert locks.locks_with_prefix("recording_active_") == []
    collected = console.post("/console/maintenance/expired-rooms/run/", follow=True)
    assert messages_of(collected) == ["Expired rooms: 1 of 1 room(s) expired (room_deleted: 1)"]
    assert console.post("/console/maintenance/nothing/run/").status_code == HTTPStatus.NOT_FOUND


def test_pages_load_nothing_from_other_hosts(console: Client) -> None:
    html = console.get("/console/").content.decode()
    assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert assets == ["/console/static/console/console.css", "/console/static/console/console.js"]
    for asset in assets:
        response = console.get(asset)
        assert response.status_code == HTTPStatus.OK
        assert b"http://" not in b"".join(response.streaming_content)
