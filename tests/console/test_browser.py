"""The console end to end in a real headless Chromium against our server over HTTP.

Each test leaves laptop- and phone-width screenshots of the pages it visits in
``test-artifacts/console/``.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts import services as accounts_services
from meet.storage import get_object_store
from recordings import selectors as queries
from recordings.domain import parse_recording_id
from rooms import services as room_services
from rooms.errors import RoomNotFoundError
from tests.console.conftest import sign_in
from tests.rooms.helpers import create_room, participant_client, participant_token
from tests.services import eventually
from tests.webhook_receiver import WebhookReceiver
from webhooks import services as webhook_services

pytestmark = pytest.mark.browser

Shoot = Callable[[Any, str], None]


def test_sign_in_create_copy_edit_and_delete_a_room(
    page: Any, shoot: Shoot, initialized: None, livekit_sim: Any
) -> None:
    page.goto("/console/")
    assert "/console/login/" in page.url
    shoot(page, "01-login")
    sign_in(page)
    assert page.get_by_test_id("health-storage").inner_text() == "OK"
    assert page.get_by_test_id("health-redis").inner_text() == "OK"
    assert page.get_by_test_id("health-livekit").inner_text() == "OK"
    shoot(page, "02-overview")

    page.get_by_role("link", name="Rooms", exact=True).click()
    page.get_by_role("link", name="New room").click()
    page.get_by_label("Room name").fill("Weekly sync")
    in_two_hours = dt.datetime.now() + dt.timedelta(hours=2)  # noqa: DTZ005 - the browser's local time
    page.get_by_label("Delete automatically on").fill(in_two_hours.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("If a meeting is live then").select_option("force")
    page.get_by_label("If it has recordings then").select_option("force")
    page.get_by_label("Chat", exact=True).uncheck()
    page.get_by_label("Who can watch recordings").select_option("admin_moderator")
    shoot(page, "03-room-create")
    page.get_by_role("button", name="Create room").click()
    page.wait_for_url(re.compile(r".*/console/rooms/Weeklysync-[a-z0-9]{15}/$"))
    page.get_by_text("Room “Weekly sync” created.").wait_for()

    room_id = page.get_by_test_id("room-id").inner_text()
    room = room_services.get_room(room_id)
    assert room.config.chat_enabled is False
    assert room.config.recording.allow_access_to == "admin_moderator"
    assert room.auto_deletion_policy.with_meeting == "force"
    assert room.auto_deletion_policy.with_recordings == "force"
    expected_ms = in_two_hours.replace(second=0, microsecond=0).timestamp() * 1000
    assert abs(room.auto_deletion_date - expected_ms) < 1000
    shoot(page, "04-room-detail")

    for label, url_path in (
        ("Moderator link", room.moderator_url),
        ("Speaker link", room.speaker_url),
    ):
        field = page.get_by_label(label)
        assert field.input_value().endswith(url_path)
        field.locator("xpath=following-sibling::button").click()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == field.input_value()

    page.get_by_label("Recording", exact=True).uncheck()
    page.get_by_label("Virtual background", exact=True).uncheck()
    page.get_by_label("Chat", exact=True).check()
    page.get_by_role("button", name="Save configuration").click()
    page.get_by_text("Room configuration saved.").wait_for()
    config = room_services.get_room(room_id).config
    assert (
        config.recording.enabled,
        config.chat_enabled,
        config.virtual_background_enabled,
    ) == (False, True, False)
    assert page.get_by_label("Recording", exact=True).is_checked() is False

    page.get_by_label("Room status").select_option("closed")
    page.get_by_role("button", name="Change status").click()
    page.get_by_text("Room closed.").wait_for()
    assert page.get_by_test_id("room-status").inner_text() == "closed"

    page.locator("#delete").get_by_label("If a meeting is live").select_option("force")
    page.locator("#delete").get_by_label("If it has recordings").select_option("force")
    page.get_by_role("button", name="Delete room").click()  # the confirm() is accepted
    page.wait_for_url("**/console/rooms/")
    page.get_by_text(f"Room '{room_id}' deleted successfully").wait_for()
    with pytest.raises(RoomNotFoundError):
        room_services.get_room(room_id)


def test_keyboard_sign_in_and_bulk_delete_of_rooms_with_progress(
    page: Any, shoot: Shoot, initialized: None
) -> None:
    for index in range(7):
        room_services.create_room(options=room_services.RoomOptions(room_name=f"Bulk {index}"))
    # Keyboard only: the skip link comes first, then the fields, Enter submits.
    page.goto("/console/login/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    for key, text in (("Tab", "admin"), ("Tab", "admin")):
        page.keyboard.press(key)
        page.keyboard.type(text)
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/")
    page.goto("/console/rooms/?q=Bulk")
    shoot(page, "05-rooms")
    page.get_by_label("Select all rooms on this page").check()
    page.get_by_role("button", name="Delete selected").click()
    page.get_by_text("Done: 7 deleted or processed, 0 failed.").wait_for()
    assert page.locator("progress").evaluate("bar => [bar.value, bar.max]") == [7, 7]
    assert room_services.list_rooms(room_id_prefix="Bulk", limit=10, page_token=None).items == []


def record(livekit_webhooks: Any) -> str:
    """A complete recording made through the simulator (its MP4 is a real, playable file)."""
    key_client = APIClient()
    key_client.credentials(HTTP_X_API_KEY=accounts_services.create_api_key().key)
    room = create_room(key_client, roomName="Standup")
    token = participant_token(room, "moderator", participantName="Mod", participantIdentity="mod")
    livekit_webhooks.add_participant(room["roomId"], "mod", name="Mod")
    eventually(lambda: room_services.get_room(room["roomId"]).has_active_meeting)
    moderator = participant_client(token)
    started = moderator.post(
        "/internal-api/v1/recordings", {"roomId": room["roomId"]}, format="json"
    )
    assert started.status_code == 201, started.content
    recording_id = started.json()["recordingId"]
    assert moderator.post(f"/internal-api/v1/recordings/{recording_id}/stop").status_code == 202
    parsed = parse_recording_id(recording_id)
    assert parsed is not None
    eventually(lambda: queries.get_recording(parsed).status == "complete")
    return str(recording_id)


def test_a_recording_plays_in_the_page_downloads_and_zips(
    page: Any, shoot: Shoot, initialized: None, livekit_webhooks: Any
) -> None:
    recording_id = record(livekit_webhooks)
    parsed = parse_recording_id(recording_id)
    assert parsed is not None
    size = queries.get_recording(parsed).size
    media = get_object_store().open_stream(
        f"recordings/{parsed.room_id}/{parsed.room_id}--{parsed.uid}.mp4"
    )
    original = b"".join(media.iter_chunks(1 << 20))
    assert len(original) == size

    sign_in(page)
    page.get_by_role("link", name="Recordings", exact=True).click()
    page.get_by_role("row", name=re.compile("Standup")).wait_for()
    shoot(page, "06-recordings")
    # The <video> loads the media route with Range requests and really plays.
    media_statuses: list[int] = []
    page.on(
        "response",
        lambda response: (
            media_statuses.append(response.status) if "/media/" in response.url else None
        ),
    )
    page.get_by_role("link", name="Play").click()
    page.wait_for_url(f"**/console/recordings/{recording_id}/")
    page.evaluate(
        "() => { const v = document.getElementById('player'); v.muted = true; return v.play(); }"
    )
    page.wait_for_function(
        "() => { const v = document.getElementById('player'); return v.readyState >= 3 && v.currentTime > 0.2; }",
        timeout=15_000,
    )
    assert page.evaluate("document.getElementById('player').duration") > 1
    assert 206 in media_statuses
    page.evaluate("document.getElementById('player').pause()")
    shoot(page, "07-recording-detail")

    with page.expect_download() as download_info:
        page.get_by_test_id("download").click()
    download = download_info.value
    assert download.suggested_filename == f"{parsed.room_id}--{parsed.uid}.mp4"
    assert download.path().read_bytes() == original

    page.get_by_role("button", name="Public link").click()
    share = page.get_by_label("Public share link")
    share.wait_for()
    secrets = queries.get_recording_secrets(parsed)
    assert share.input_value().endswith(f"/recording/{recording_id}?secret={secrets.public}")

    page.goto("/console/recordings/")
    page.get_by_label("Select all recordings on this page").check()
    with page.expect_download() as zip_info:
        page.get_by_role("button", name="Download ZIP").click()
    page.get_by_text(re.compile(r"ZIP ready: .*, 1 recording\(s\)\.")).wait_for()
    archive = zipfile.ZipFile(zip_info.value.path())
    assert archive.namelist() == [f"{parsed.room_id}--{parsed.uid}.mp4"]
    assert archive.read(archive.namelist()[0]) == original

    page.get_by_role("button", name="Delete selected").click()
    page.get_by_text("Done: 1 deleted or processed, 0 failed.").wait_for()
    assert queries.list_recordings(room_id_prefix="", limit=10, page_token=None).items == []


def test_settings_round_trip_api_key_account_and_maintenance(
    page: Any, shoot: Shoot, initialized: None, livekit_sim: Any
) -> None:
    receiver = WebhookReceiver()
    hook_url = receiver.start()
    try:
        sign_in(page)
        page.get_by_role("link", name="API key").click()
        page.get_by_test_id("no-key").wait_for()
        page.get_by_role("button", name="Generate a key").click()
        revealed = page.get_by_label("New API key").input_value()
        assert revealed == accounts_services.list_api_keys()[0].key
        shoot(page, "08-api-key")
        page.reload()
        assert page.get_by_label("New API key").count() == 0  # shown once
        assert page.get_by_test_id("masked-key").inner_text().startswith(revealed[:11])

        page.get_by_role("link", name="Settings").click()
        page.get_by_label("Room access").select_option("moderators_only")
        page.get_by_label("Token transport").select_option("cookie")
        page.get_by_role("button", name="Save security").click()
        page.get_by_text("Security settings saved.").wait_for()

        page.get_by_label("Send webhooks").check()
        page.get_by_label("URL", exact=True).fill(hook_url)
        page.get_by_role("button", name="Send test event").click()
        page.get_by_text(f"Webhook test delivered to {hook_url}.").wait_for()
        receiver.wait_for(1)
        assert receiver.received[0].json()["event"] == "testEvent"
        page.get_by_label("Send webhooks").check()
        page.get_by_label("URL", exact=True).fill(hook_url)
        page.get_by_role("button", name="Save webhooks").click()
        page.get_by_text("Webhook settings saved.").wait_for()
        # A delivery as the outgoing-webhook task records it shows under "Recent deliveries".
        webhook_services.attempt_delivery(
            delivery_id="d1", event="meetingStarted", data={}, creation_date=1, attempt=1
        )
        receiver.wait_for(2)

        page.get_by_label("Theme name").fill("night")
        page.get_by_label("Use this theme in rooms").check()
        page.get_by_label("Base theme").select_option("dark")
        page.get_by_label("Primary", exact=True).fill("#0a84ff")
        page.get_by_label("Background", exact=True).fill("#101418")
        page.get_by_role("button", name="Save appearance").click()
        page.get_by_text("Rooms appearance saved.").wait_for()

        page.reload()
        assert page.get_by_label("Room access").input_value() == "moderators_only"
        assert page.get_by_label("Token transport").input_value() == "cookie"
        assert page.get_by_label("Send webhooks").is_checked()
        assert page.get_by_label("URL", exact=True).input_value() == hook_url
        assert page.get_by_label("Theme name").input_value() == "night"
        assert page.get_by_label("Primary", exact=True).input_value() == "#0a84ff"
        assert page.get_by_label("Base theme").input_value() == "dark"
        delivery = page.get_by_role("row", name=re.compile("meetingStarted"))
        assert "delivered" in delivery.inner_text() and "200" in delivery.inner_text()
        shoot(page, "09-settings")
        api = APIClient()
        assert api.get("/internal-api/v1/config/security").json()["authentication"] == {
            "authMethod": {"type": "single_user"},
            "authModeToAccessRoom": "moderators_only",
            "authTransportMode": "cookie",
        }
        theme = api.get("/internal-api/v1/config/rooms/appearance").json()["appearance"]["themes"]
        assert theme == [
            {
                "name": "night",
                "enabled": True,
                "baseTheme": "dark",
                "backgroundColor": "#101418",
                "primaryColor": "#0a84ff",
            }
        ]

        page.get_by_role("link", name="Maintenance").click()
        for button, summary in (
            ("Release orphaned locks now", "Orphaned recording locks: 0 examined"),
            ("Abort stale recordings now", "Stale recordings: 0 examined"),
            ("Delete expired rooms now", "Expired rooms: 0 of 0 room(s) expired"),
        ):
            page.get_by_role("button", name=button).click()
            page.get_by_text(summary).wait_for()
        shoot(page, "10-maintenance")

        page.get_by_role("link", name="Account").click()
        page.get_by_label("Current password").fill("admin")
        page.get_by_label("New password", exact=True).fill("s3cret-pass")
        page.get_by_label("Repeat the new password").fill("s3cret-pass")
        page.get_by_role("button", name="Change password").click()
        page.get_by_text("Password changed.").wait_for()
        shoot(page, "11-account")
        accounts_services.authenticate_user(username="admin", password="s3cret-pass")

        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url("**/console/login/")
        page.goto("/console/settings/")
        assert "/console/login/" in page.url
    finally:
        receiver.stop()


def test_wrong_password_shows_the_error_then_the_rate_limit(
    page: Any, shoot: Shoot, initialized: None
) -> None:
    page.goto("/console/login/")
    for attempt in range(1, 6):
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill(f"wrong-{attempt}")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("alert").filter(has_text="Invalid username or password").wait_for()
        if attempt == 1:
            shoot(page, "12-login-wrong-password")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("admin")  # even the right password, once limited
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").filter(
        has_text="Too many login attempts, please try again later"
    ).wait_for()
    shoot(page, "13-login-rate-limited")
    assert "/console/login/" in page.url
    # The API counts the same attempts: it is limited too.
    response = APIClient().post(
        "/internal-api/v1/auth/login",
        {"username": "admin", "password": "admin"},
        format="json",
        REMOTE_ADDR="127.0.0.1",
    )
    assert response.status_code == 429
