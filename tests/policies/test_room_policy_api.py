"""Room policies on the rooms API: ``config.recording.retentionDays`` and ``config.limits``
(docs/policies.md). Optional, validated, stored only when set, kept by updates that omit them."""

from __future__ import annotations

import json
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

ROOMS = "/api/v1/rooms"
SAMPLE_ROOMS = Path("/work/shared/reference/bucket-sample/openvidu-meet/rooms")
BASE_CONFIG = {
    "recording": {"enabled": True, "allowAccessTo": "admin_moderator_speaker"},
    "chat": {"enabled": True},
    "virtualBackground": {"enabled": True},
}


def invalid(*details: tuple[str, str]) -> dict[str, Any]:
    return {
        "error": "Unprocessable Entity",
        "message": "Invalid request",
        "details": [{"field": field, "message": message} for field, message in details],
    }


def config_with(retention: Any = ..., limits: Any = ..., **recording: Any) -> dict[str, Any]:
    config = json.loads(json.dumps(BASE_CONFIG))
    config["recording"].update(recording)
    if retention is not ...:
        config["recording"]["retentionDays"] = retention
    if limits is not ...:
        config["limits"] = limits
    return config


def stored_room(store: Any, room_id: str) -> dict[str, Any]:
    raw = store.get_json(f"rooms/{room_id}/{room_id}.json")
    assert isinstance(raw, dict)
    return raw


def test_policies_are_accepted_returned_and_stored(key_client: APIClient, store: Any) -> None:
    body = {
        "roomName": "Board",
        "config": config_with(30, {"maxParticipants": 5, "maxDurationMinutes": 90}),
    }
    response = key_client.post(ROOMS, body, format="json")
    assert response.status_code == HTTPStatus.CREATED, response.content
    room = response.json()
    assert room["config"]["recording"] == {
        "enabled": True,
        "allowAccessTo": "admin_moderator_speaker",
        "retentionDays": 30,
    }
    assert room["config"]["limits"] == {"maxParticipants": 5, "maxDurationMinutes": 90}
    assert key_client.get(f"{ROOMS}/{room['roomId']}").json()["config"] == room["config"]
    config = key_client.get(f"{ROOMS}/{room['roomId']}/config").json()
    assert config == room["config"]
    stored = stored_room(store, room["roomId"])
    assert stored["config"]["recording"]["retentionDays"] == 30
    assert stored["config"]["limits"] == {"maxParticipants": 5, "maxDurationMinutes": 90}


def test_one_limit_alone_and_retention_zero(key_client: APIClient, store: Any) -> None:
    body = {"config": config_with(0, {"maxDurationMinutes": 1})}
    room = key_client.post(ROOMS, body, format="json").json()
    assert room["config"]["recording"]["retentionDays"] == 0  # kept forever, whatever the default
    assert room["config"]["limits"] == {"maxDurationMinutes": 1}
    assert stored_room(store, room["roomId"])["config"]["limits"] == {"maxDurationMinutes": 1}


def test_without_policies_room_json_is_the_references(key_client: APIClient, store: Any) -> None:
    room = key_client.post(ROOMS, {"roomName": "Plain", "config": BASE_CONFIG}, format="json")
    body = room.json()
    assert body["config"] == BASE_CONFIG
    stored = stored_room(store, body["roomId"])
    assert stored["config"] == BASE_CONFIG
    sample = json.loads(next(SAMPLE_ROOMS.glob("Support*/*.json")).read_text())
    assert "autoDeletionDate" not in sample
    assert list(stored) == list(sample)  # the reference's keys, in its order
    # A room created without any config has no policy either.
    default = key_client.post(ROOMS, {"roomName": "Default"}, format="json").json()
    assert "limits" not in default["config"]
    assert "retentionDays" not in default["config"]["recording"]


@pytest.mark.parametrize(
    ("config", "field", "message"),
    [
        (
            config_with(-1),
            "config.recording.retentionDays",
            "retentionDays must be between 0 and 36500",
        ),
        (config_with(1.5), "config.recording.retentionDays", "retentionDays must be an integer"),
        (config_with("7"), "config.recording.retentionDays", "Expected number, received string"),
        (
            config_with(limits={"maxParticipants": 0}),
            "config.limits.maxParticipants",
            "maxParticipants must be between 1 and 10000",
        ),
        (
            config_with(limits={"maxParticipants": True}),
            "config.limits.maxParticipants",
            "Expected number, received boolean",
        ),
        (
            config_with(limits={"maxDurationMinutes": 43201}),
            "config.limits.maxDurationMinutes",
            "maxDurationMinutes must be between 1 and 43200",
        ),
        (
            config_with(limits={"maxDurationMinutes": 2.5}),
            "config.limits.maxDurationMinutes",
            "maxDurationMinutes must be an integer",
        ),
        (config_with(limits=[1]), "config.limits", "Expected object, received array"),
    ],
)
def test_bad_policy_values_are_422(
    key_client: APIClient, store: Any, config: dict[str, Any], field: str, message: str
) -> None:
    response = key_client.post(ROOMS, {"roomName": "Bad", "config": config}, format="json")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json() == invalid((field, message))
    room = key_client.post(ROOMS, {"roomName": "Good"}, format="json").json()
    response = key_client.put(f"{ROOMS}/{room['roomId']}/config", {"config": config}, format="json")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json() == invalid((field, message))


def test_config_update_keeps_omitted_policies_and_null_clears(
    key_client: APIClient, store: Any
) -> None:
    body = {"config": config_with(30, {"maxParticipants": 5, "maxDurationMinutes": 90})}
    room_id = key_client.post(ROOMS, body, format="json").json()["roomId"]
    url = f"{ROOMS}/{room_id}/config"

    # A client that only knows the reference's fields (the Meet front end) keeps them.
    reference_only = config_with(allowAccessTo="admin_moderator")
    assert key_client.put(url, {"config": reference_only}, format="json").status_code == 200
    config = key_client.get(url).json()
    assert config["recording"] == {
        "enabled": True,
        "allowAccessTo": "admin_moderator",
        "retentionDays": 30,
    }
    assert config["limits"] == {"maxParticipants": 5, "maxDurationMinutes": 90}

    # One limit changed, the other kept.
    changed = config_with(limits={"maxParticipants": 8})
    assert key_client.put(url, {"config": changed}, format="json").status_code == 200
    assert key_client.get(url).json()["limits"] == {"maxParticipants": 8, "maxDurationMinutes": 90}

    # null clears.
    cleared = config_with(None, {"maxParticipants": None})
    assert key_client.put(url, {"config": cleared}, format="json").status_code == 200
    config = key_client.get(url).json()
    assert "retentionDays" not in config["recording"]
    assert config["limits"] == {"maxDurationMinutes": 90}
    assert (
        key_client.put(url, {"config": config_with(limits=None)}, format="json").status_code == 200
    )
    config = key_client.get(url).json()
    assert "limits" not in config
    assert stored_room(store, room_id)["config"] == config


def test_reference_rooms_are_read_and_written_unchanged(key_client: APIClient, store: Any) -> None:
    for path in SAMPLE_ROOMS.glob("*/*.json"):
        raw = json.loads(path.read_text())
        store.put_json(f"rooms/{raw['roomId']}/{raw['roomId']}.json", raw)
        body = key_client.get(f"{ROOMS}/{raw['roomId']}").json()
        assert body["config"] == raw["config"]
        # An update of the reference's fields only writes the reference's document back.
        config = raw["config"]
        response = key_client.put(
            f"{ROOMS}/{raw['roomId']}/config", {"config": config}, format="json"
        )
        assert response.status_code == HTTPStatus.OK
        assert stored_room(store, raw["roomId"]) == raw


def test_hand_edited_bad_policy_values_are_ignored_when_read(
    key_client: APIClient, store: Any
) -> None:
    raw = json.loads(next(SAMPLE_ROOMS.glob("Support*/*.json")).read_text())
    raw["config"]["recording"]["retentionDays"] = "thirty"
    raw["config"]["limits"] = {"maxParticipants": -3, "maxDurationMinutes": 2.5}
    store.put_json(f"rooms/{raw['roomId']}/{raw['roomId']}.json", raw)
    body = key_client.get(f"{ROOMS}/{raw['roomId']}").json()
    assert "retentionDays" not in body["config"]["recording"]
    assert "limits" not in body["config"]
