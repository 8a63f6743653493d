"""Every rule of audit_http/rules.py, driven through the real route: the event it writes (action,
actor, target) on success, nothing on a refused request, and a failure event for logins."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import jwt
import pytest
from rest_framework.test import APIClient

from audit_http import rules
from tests.audit.helpers import actions, clear_events, only, stored_events
from tests.recordings.helpers import store_recording
from tests.rooms.helpers import create_room, participant_client, participant_token
from tests.services import eventually

SECURITY = {
    "authentication": {
        "authMethod": {"type": "single_user"},
        "authModeToAccessRoom": "all_users",
        "authTransportMode": "header",
    }
}
CONFIG = {
    "config": {
        "recording": {"enabled": False},
        "chat": {"enabled": True},
        "virtualBackground": {"enabled": True},
    }
}


class Clients:
    def __init__(self, key: APIClient, admin: APIClient) -> None:
        self.key = key
        self.admin = admin


# name -> (request; returns the expected (targetType, targetId) and actor (kind, name))
Scenario = Callable[[Clients], tuple[str, str, str, str]]


def room_create(c: Clients) -> tuple[str, str, str, str]:
    room = create_room(c.key, roomName="Audited")
    return "room", room["roomId"], "api_key", ""


def room_delete(c: Clients) -> tuple[str, str, str, str]:
    room = create_room(c.key)
    clear_events()
    assert c.key.delete(f"/api/v1/rooms/{room['roomId']}").status_code == HTTPStatus.OK
    return "room", room["roomId"], "api_key", ""


def room_bulk_delete(c: Clients) -> tuple[str, str, str, str]:
    first, second = create_room(c.key), create_room(c.key)
    clear_events()
    ids = f"{first['roomId']},{second['roomId']}"
    assert c.key.delete(f"/api/v1/rooms?roomIds={ids}").status_code == HTTPStatus.OK
    return "room", "", "api_key", ""


def room_config_update(c: Clients) -> tuple[str, str, str, str]:
    room = create_room(c.key)
    clear_events()
    response = c.key.put(f"/api/v1/rooms/{room['roomId']}/config", CONFIG, format="json")
    assert response.status_code == HTTPStatus.OK
    return "room", room["roomId"], "api_key", ""


def room_status_update(c: Clients) -> tuple[str, str, str, str]:
    room = create_room(c.key)
    clear_events()
    response = c.key.put(
        f"/api/v1/rooms/{room['roomId']}/status", {"status": "closed"}, format="json"
    )
    assert response.status_code == HTTPStatus.OK
    return "room", room["roomId"], "api_key", ""


def recording_delete(c: Clients) -> tuple[str, str, str, str]:
    recording = store_recording()
    response = c.key.delete(f"/api/v1/recordings/{recording['recordingId']}")
    assert response.status_code == HTTPStatus.OK
    return "recording", recording["recordingId"], "api_key", ""


def recording_bulk_delete(c: Clients) -> tuple[str, str, str, str]:
    first, second = store_recording(), store_recording()
    ids = f"{first['recordingId']},{second['recordingId']}"
    assert c.key.delete(f"/api/v1/recordings?recordingIds={ids}").status_code == HTTPStatus.OK
    return "recording", "", "api_key", ""


def webhooks_update(c: Clients) -> tuple[str, str, str, str]:
    body = {"enabled": True, "url": "https://hooks.example.com/x"}
    assert c.admin.put("/internal-api/v1/config/webhooks", body, format="json").status_code == 200
    return "global_config", "webhooks", "user", "admin"


def security_update(c: Clients) -> tuple[str, str, str, str]:
    response = c.admin.put("/internal-api/v1/config/security", SECURITY, format="json")
    assert response.status_code == HTTPStatus.OK
    return "global_config", "security", "user", "admin"


def appearance_update(c: Clients) -> tuple[str, str, str, str]:
    body = {"appearance": {"themes": [{"name": "c", "enabled": True, "baseTheme": "dark"}]}}
    response = c.admin.put("/internal-api/v1/config/rooms/appearance", body, format="json")
    assert response.status_code == HTTPStatus.OK
    return "global_config", "rooms.appearance", "user", "admin"


def api_key_create(c: Clients) -> tuple[str, str, str, str]:
    assert c.admin.post("/internal-api/v1/auth/api-keys").status_code == HTTPStatus.CREATED
    return "api_key", "", "user", "admin"


def api_key_delete(c: Clients) -> tuple[str, str, str, str]:
    assert c.admin.delete("/internal-api/v1/auth/api-keys").status_code == HTTPStatus.OK
    return "api_key", "", "user", "admin"


def password_change(c: Clients) -> tuple[str, str, str, str]:
    response = c.admin.post(
        "/internal-api/v1/users/change-password",
        {"currentPassword": "admin", "newPassword": "new-pass"},
        format="json",
    )
    assert response.status_code == HTTPStatus.OK
    return "user", "admin", "user", "admin"


def login(c: Clients) -> tuple[str, str, str, str]:
    response = APIClient().post(
        "/internal-api/v1/auth/login", {"username": "admin", "password": "admin"}, format="json"
    )
    assert response.status_code == HTTPStatus.OK
    return "user", "admin", "user", "admin"


def login_failed(c: Clients) -> tuple[str, str, str, str]:
    response = APIClient().post(
        "/internal-api/v1/auth/login", {"username": "mallory", "password": "guess"}, format="json"
    )
    assert 400 <= response.status_code < 500
    return "user", "mallory", "anonymous", "mallory"


def logout(c: Clients) -> tuple[str, str, str, str]:
    assert c.admin.post("/internal-api/v1/auth/logout").status_code == HTTPStatus.OK
    return "user", "", "user", "admin"


SCENARIOS: dict[str, Scenario] = {
    "room.create": room_create,
    "room.delete": room_delete,
    "room.bulk_delete": room_bulk_delete,
    "room.config_update": room_config_update,
    "room.status_update": room_status_update,
    "recording.delete": recording_delete,
    "recording.bulk_delete": recording_bulk_delete,
    "config.webhooks_update": webhooks_update,
    "config.security_update": security_update,
    "config.appearance_update": appearance_update,
    "api_key.create": api_key_create,
    "api_key.delete": api_key_delete,
    "user.password_change": password_change,
    "auth.login": login,
    "auth.login_failed": login_failed,
    "auth.logout": logout,
}
LIVEKIT_ACTIONS = {
    "recording.start",
    "recording.stop",
    "meeting.end",
    "participant.kick",
    "participant.role_change",
}


@pytest.mark.parametrize("action", sorted(SCENARIOS))
def test_each_api_rule_records_its_event(
    action: str, key_client: APIClient, admin_client: APIClient
) -> None:
    clear_events()
    target_type, target_id, actor_kind, actor_name = SCENARIOS[action](
        Clients(key_client, admin_client)
    )
    event = only(action)
    assert event["targetType"] == target_type
    assert event["targetId"] == target_id
    assert (event["actor"]["kind"], event["actor"]["name"]) == (actor_kind, actor_name)
    assert event["actor"]["ip"] == "127.0.0.1"
    assert event["outcome"] == ("failure" if action == "auth.login_failed" else "success")


def test_the_table_test_covers_every_api_rule() -> None:
    ruled = {rule.action for rule in rules.API_RULES.values()}
    ruled |= {rule.failure_action for rule in rules.API_RULES.values() if rule.failure_action}
    assert ruled == set(SCENARIOS) | LIVEKIT_ACTIONS


def test_details_name_what_changed_and_never_the_secrets(
    key_client: APIClient, admin_client: APIClient
) -> None:
    room = create_room(key_client)
    clear_events()
    key_client.delete(f"/api/v1/rooms/{room['roomId']}?withMeeting=force")
    assert only("room.delete")["details"] == {"withMeeting": "force", "status": 200}
    admin_client.post(
        "/internal-api/v1/users/change-password",
        {"currentPassword": "admin", "newPassword": "new-pass"},
        format="json",
    )
    assert only("user.password_change")["details"] == {}
    created = admin_client.post("/internal-api/v1/auth/api-keys").json()["key"]
    APIClient().post(
        "/internal-api/v1/auth/login", {"username": "admin", "password": "wrong"}, format="json"
    )
    everything = str(stored_events())
    assert created not in everything
    assert "new-pass" not in everything and "wrong" not in everything


def test_refused_requests_record_nothing(key_client: APIClient, admin_client: APIClient) -> None:
    clear_events()
    assert key_client.delete("/api/v1/rooms/ghost-1").status_code == HTTPStatus.NOT_FOUND
    assert APIClient().post("/api/v1/rooms", {}, format="json").status_code == 401
    response = key_client.put("/api/v1/rooms/ghost-1/config", CONFIG, format="json")
    assert response.status_code == HTTPStatus.NOT_FOUND
    response = admin_client.post(
        "/internal-api/v1/users/change-password",
        {"currentPassword": "nope", "newPassword": "new-pass"},
        format="json",
    )
    assert response.status_code >= 400
    assert actions() == []


def test_reads_record_nothing(key_client: APIClient) -> None:
    room = create_room(key_client)
    clear_events()
    key_client.get("/api/v1/rooms")
    key_client.get(f"/api/v1/rooms/{room['roomId']}")
    assert actions() == []


def test_a_failing_audit_store_never_fails_the_action(
    key_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from audit.repository import AuditRepository
    from meet.storage import StorageUnavailableError

    def fail(self: Any, event: Any) -> None:
        raise StorageUnavailableError("audit bucket down")

    monkeypatch.setattr(AuditRepository, "save", fail)
    response = key_client.post("/api/v1/rooms", {"roomName": "Still works"}, format="json")
    assert response.status_code == HTTPStatus.CREATED
    assert key_client.get(f"/api/v1/rooms/{response.json()['roomId']}").status_code == 200


def test_partial_bulk_deletion_records_what_was_deleted(key_client: APIClient) -> None:
    room = create_room(key_client)
    clear_events()
    response = key_client.delete(f"/api/v1/rooms?roomIds={room['roomId']},ghost-1")
    assert response.status_code == HTTPStatus.BAD_REQUEST
    details = only("room.bulk_delete")["details"]
    assert details["successful"] == [room["roomId"]]
    assert details["failed"] == ["ghost-1"]
    assert details["status"] == 400


def test_the_client_address_honours_trusted_proxies(key_client: APIClient, settings: Any) -> None:
    clear_events()  # the test client's peer, 127.0.0.1, is a trusted proxy by default
    body = {"roomName": "Proxied"}
    key_client.post("/api/v1/rooms", body, format="json", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert only("room.create")["actor"]["ip"] == "203.0.113.9"
    settings.TRUSTED_PROXIES = []
    clear_events()
    key_client.post("/api/v1/rooms", body, format="json", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert only("room.create")["actor"]["ip"] == "127.0.0.1"


def test_meeting_and_recording_rules(key_client: APIClient, livekit_webhooks: Any) -> None:
    room = create_room(key_client, roomName="Rec")
    room_id = room["roomId"]
    token = participant_token(room, "moderator", participantName="Mod", participantIdentity="mod")
    moderator = participant_client(token)
    livekit_webhooks.add_participant(room_id, "mod", name="Mod")
    livekit_webhooks.add_participant(room_id, "p1", name="P1")
    speaker = participant_token(room, "speaker", participantName="P2", participantIdentity="p2")
    metadata = jwt.decode(speaker, options={"verify_signature": False})["metadata"]
    livekit_webhooks.add_participant(room_id, "p2", name="P2", metadata=metadata)
    eventually(
        lambda: key_client.get(f"/api/v1/rooms/{room_id}").json()["status"] == "active_meeting"
    )
    clear_events()

    started = moderator.post("/internal-api/v1/recordings", {"roomId": room_id}, format="json")
    assert started.status_code == HTTPStatus.CREATED, started.content
    recording_id = started.json()["recordingId"]
    event = only("recording.start")
    assert (event["targetType"], event["targetId"]) == ("recording", recording_id)
    assert event["details"] == {"roomId": room_id}
    assert event["actor"]["kind"] == "participant"
    assert event["actor"]["role"] == "moderator"
    assert event["actor"]["name"] == "mod"

    stopped = moderator.post(f"/internal-api/v1/recordings/{recording_id}/stop")
    assert stopped.status_code == HTTPStatus.ACCEPTED
    assert only("recording.stop")["targetId"] == recording_id

    kicked = moderator.delete(f"/internal-api/v1/meetings/{room_id}/participants/p1")
    assert kicked.status_code == HTTPStatus.OK
    event = only("participant.kick")
    assert (event["targetType"], event["targetId"]) == ("participant", "p1")
    assert event["details"] == {"roomId": room_id}

    changed = moderator.put(
        f"/internal-api/v1/meetings/{room_id}/participants/p2/role",
        {"role": "moderator"},
        format="json",
    )
    assert changed.status_code == HTTPStatus.OK, changed.content
    event = only("participant.role_change")
    assert event["targetId"] == "p2"
    assert event["details"] == {"roomId": room_id, "role": "moderator"}

    ended = moderator.delete(f"/internal-api/v1/meetings/{room_id}")
    assert ended.status_code == HTTPStatus.OK
    event = only("meeting.end")
    assert (event["targetType"], event["targetId"]) == ("room", room_id)


def test_rate_limited_logins_are_not_recorded(initialized: None, settings: Any) -> None:
    settings.LOGIN_RATE_LIMIT = 2
    clear_events()
    body = {"username": "admin", "password": "wrong-pass"}
    statuses = [
        APIClient().post("/internal-api/v1/auth/login", body, format="json").status_code
        for _ in range(4)
    ]
    assert statuses[2:] == [HTTPStatus.TOO_MANY_REQUESTS] * 2
    assert actions() == ["auth.login_failed"] * 2
