"""Start/stop through the simulator: lock, egress-driven state, webhooks, collectors."""

from __future__ import annotations

import threading
from http import HTTPStatus
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from meet.redis_connection import redis
from tests.rooms.helpers import create_room, participant_client, participant_token
from tests.services import eventually

LOCK = "ov_meet_lock:recording_active_{}"


@pytest.fixture
def meeting(key_client: APIClient, livekit_webhooks: Any) -> dict[str, Any]:
    room = create_room(key_client, roomName="Rec")
    token = participant_token(room, "moderator", participantName="Mod", participantIdentity="mod")
    livekit_webhooks.add_participant(room["roomId"], "mod", name="Mod")
    eventually(
        lambda: (
            key_client.get(f"/api/v1/rooms/{room['roomId']}").json()["status"] == "active_meeting"
        )
    )
    return {"room": room, "moderator": participant_client(token), "token": token}


def start(client: APIClient, room_id: str) -> Any:
    return client.post("/internal-api/v1/recordings", {"roomId": room_id}, format="json")


def metadata(store: Any, recording_id: str) -> Any:
    room_id, egress_id, uid = recording_id.split("--")
    return store.get_json(f"recordings/.metadata/{room_id}/{egress_id}/{uid}.json")


def test_record_stop_and_the_egress_webhooks(
    meeting: dict[str, Any], livekit_webhooks: Any, store: Any
) -> None:
    room_id = meeting["room"]["roomId"]
    response = start(meeting["moderator"], room_id)
    assert response.status_code == HTTPStatus.CREATED, response.content
    recording = response.json()
    assert recording["status"] == "active"
    assert recording["roomId"] == room_id and recording["roomName"] == "Rec"
    assert recording["recordingId"].startswith(f"{room_id}--EG_")
    assert response["Location"] == f"http://testserver/api/v1/recordings/{recording['recordingId']}"
    assert redis().exists(LOCK.format(room_id))
    assert store.get_json(f"recordings/.room_metadata/{room_id}/room_metadata.json")["config"] == {
        "recording": {"enabled": True, "allowAccessTo": "admin_moderator_speaker"}
    }
    uid = recording["recordingId"].rsplit("--", 1)[1]
    secrets_key = (
        f"recordings/.secrets/{room_id}/{recording['recordingId'].split('--')[1]}/{uid}.json"
    )
    assert set(store.get_json(secrets_key)) == {"publicAccessSecret", "privateAccessSecret"}

    again = start(meeting["moderator"], room_id)
    assert again.status_code == HTTPStatus.CONFLICT
    assert again.json() == {
        "error": "Recording Error",
        "message": f"Room '{room_id}' is already being recorded",
    }

    stop = meeting["moderator"].post(f"/internal-api/v1/recordings/{recording['recordingId']}/stop")
    assert stop.status_code == HTTPStatus.ACCEPTED
    assert stop.json()["status"] in ("ending", "complete")
    eventually(lambda: metadata(store, recording["recordingId"])["status"] == "complete")
    final = metadata(store, recording["recordingId"])
    assert final["filename"] == f"{room_id}--{uid}.mp4"
    assert final["size"] > 0 and final["duration"] > 0 and final["endDate"] > final["startDate"]
    assert final["details"].startswith("End reason")
    assert store.head(f"recordings/{room_id}/{room_id}--{uid}.mp4").size == final["size"]
    eventually(lambda: not redis().exists(LOCK.format(room_id)))
    stopped_again = meeting["moderator"].post(
        f"/internal-api/v1/recordings/{recording['recordingId']}/stop"
    )
    assert stopped_again.json() == {
        "error": "Recording Error",
        "message": f"Recording '{recording['recordingId']}' is already stopped",
    }
    expected = {"recordingStarting", "recordingStarted", "recordingStopped"}
    eventually(lambda: expected <= {m.topic for m in livekit_webhooks.data_messages(room_id)})


def test_many_concurrent_starts_give_exactly_one_201(meeting: dict[str, Any], store: Any) -> None:
    room_id = meeting["room"]["roomId"]
    results: list[int] = []

    def attempt() -> None:
        client = participant_client(meeting["token"])
        results.append(start(client, room_id).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [201] + [409] * 7


@pytest.mark.parametrize(
    ("prepare", "status", "body"),
    [
        ("no-room", 404, {"error": "Room Error", "message": "Room 'ghost-1' does not exist"}),
        ("disabled", 403, None),
        ("no-token", 401, {"error": "Authentication Error", "message": "Unauthorized"}),
        (
            "speaker",
            403,
            {
                "error": "Authorization Error",
                "message": "Insufficient permissions to access this resource",
            },
        ),
    ],
)
def test_start_checks_in_the_reference_order(
    key_client: APIClient, livekit_sim: Any, prepare: str, status: int, body: Any
) -> None:
    room = create_room(key_client)
    room_id = room["roomId"]
    client = APIClient()
    if prepare == "no-room":
        room_id = "ghost-1"
    elif prepare == "disabled":
        key_client.put(
            f"/api/v1/rooms/{room_id}/config",
            {
                "config": {
                    "recording": {"enabled": False},
                    "chat": {"enabled": True},
                    "virtualBackground": {"enabled": True},
                }
            },
            format="json",
        )
        body = {
            "error": "Recording Error",
            "message": f"Recording is disabled for room '{room_id}'",
        }
    elif prepare == "speaker":
        client = participant_client(participant_token(room, "speaker"), "speaker")
    response = start(client, room_id)
    assert response.status_code == status
    assert response.json() == body


def test_start_without_participants_is_409(key_client: APIClient, livekit_sim: Any) -> None:
    room = create_room(key_client)
    token = participant_token(room, "moderator", participantName="Mod")
    response = start(participant_client(token), room["roomId"])
    assert response.status_code == HTTPStatus.CONFLICT
    assert response.json() == {
        "error": "Recording Error",
        "message": f"Room '{room['roomId']}' has no participants",
    }
    assert not redis().exists(LOCK.format(room["roomId"]))


def test_stop_of_an_unknown_egress_names_the_egress(meeting: dict[str, Any]) -> None:
    room_id = meeting["room"]["roomId"]
    response = meeting["moderator"].post(
        f"/internal-api/v1/recordings/{room_id}--EG_missing123--abc/stop"
    )
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {
        "error": "Recording Error",
        "message": "Recording 'EG_missing123' not found",
    }
    response = meeting["moderator"].post("/internal-api/v1/recordings/not-an-id/stop")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY


def test_a_hanging_egress_times_out_marks_failed_and_frees_the_room(
    meeting: dict[str, Any], livekit_webhooks: Any, store: Any, settings: Any
) -> None:
    settings.RECORDING_START_TIMEOUT_SECONDS = 1
    room_id = meeting["room"]["roomId"]
    livekit_webhooks.hang_next_egress()
    response = start(meeting["moderator"], room_id)
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response.json() == {
        "error": "Recording Error",
        "message": f"Recording in room '{room_id}' timed out while starting",
    }
    eventually(lambda: not redis().exists(LOCK.format(room_id)))
    recordings = store.list_keys(f"recordings/.metadata/{room_id}").keys
    assert recordings
    eventually(lambda: store.get_json(recordings[0])["status"] in ("failed", "aborted"))


def test_a_failing_egress_ends_failed_and_releases_the_lock(
    meeting: dict[str, Any], livekit_webhooks: Any, store: Any
) -> None:
    room_id = meeting["room"]["roomId"]
    livekit_webhooks.fail_next_egress(after="active")
    response = start(meeting["moderator"], room_id)
    assert response.status_code == HTTPStatus.CREATED
    eventually(lambda: metadata(store, response.json()["recordingId"])["status"] == "failed")
    eventually(lambda: not redis().exists(LOCK.format(room_id)))


def test_orphaned_lock_collector(key_client: APIClient, livekit_sim: Any, settings: Any) -> None:
    from meet import locks

    settings.RECORDING_LOCK_GRACE_SECONDS = 0
    locks.acquire("recording_active_gone-room", ttl_seconds=3600)
    out = StringIO()
    call_command("collect_recording_locks", "--dry-run", stdout=out)
    assert (
        out.getvalue().strip()
        == "1 examined, 1 released, 0 kept, 0 error(s) (dry run, nothing changed)"
    )
    assert redis().exists("ov_meet_lock:recording_active_gone-room")
    out = StringIO()
    call_command("collect_recording_locks", stdout=out)
    assert out.getvalue().strip() == "1 examined, 1 released, 0 kept, 0 error(s)"
    assert not redis().exists("ov_meet_lock:recording_active_gone-room")


def test_healthy_recording_keeps_its_lock(meeting: dict[str, Any], settings: Any) -> None:
    settings.RECORDING_LOCK_GRACE_SECONDS = 0
    room_id = meeting["room"]["roomId"]
    assert start(meeting["moderator"], room_id).status_code == HTTPStatus.CREATED
    out = StringIO()
    call_command("collect_recording_locks", stdout=out)
    assert "0 released, 1 kept" in out.getvalue()
    assert redis().exists(LOCK.format(room_id))
    out = StringIO()
    call_command("cleanup_stale_recordings", stdout=out)
    assert out.getvalue().strip() == "1 examined, 0 aborted, 1 kept, 0 error(s)"


def test_stale_recording_is_aborted(
    meeting: dict[str, Any], livekit_webhooks: Any, store: Any
) -> None:
    room_id = meeting["room"]["roomId"]
    response = start(meeting["moderator"], room_id)
    recording_id = response.json()["recordingId"]
    egress_id = recording_id.split("--")[1]
    livekit_webhooks.make_egress_stale(egress_id, backdate_seconds=600)
    livekit_webhooks.remove_participant(room_id, "mod")
    out = StringIO()
    call_command("cleanup_stale_recordings", stdout=out)
    assert out.getvalue().strip() == "1 examined, 1 aborted, 0 kept, 0 error(s)"
    eventually(lambda: metadata(store, recording_id)["status"] in ("aborted", "failed"))


def test_full_flow_record_list_stream_zip_share_delete(
    meeting: dict[str, Any], key_client: APIClient, store: Any
) -> None:
    import io
    import zipfile

    room_id = meeting["room"]["roomId"]
    recording_id = start(meeting["moderator"], room_id).json()["recordingId"]
    meeting["moderator"].post(f"/internal-api/v1/recordings/{recording_id}/stop")
    eventually(lambda: metadata(store, recording_id)["status"] == "complete")

    listed = key_client.get(f"/api/v1/recordings?roomId={room_id}").json()
    assert [item["recordingId"] for item in listed["recordings"]] == [recording_id]
    size = listed["recordings"][0]["size"]

    media = key_client.get(f"/api/v1/recordings/{recording_id}/media", HTTP_RANGE="bytes=0-99")
    assert media.status_code == HTTPStatus.PARTIAL_CONTENT
    assert media["Content-Range"] == f"bytes 0-99/{size}"
    assert len(b"".join(media.streaming_content)) == 100
    whole = b"".join(key_client.get(f"/api/v1/recordings/{recording_id}/media").streaming_content)
    assert len(whole) == size
    assert whole[4:8] == b"ftyp"

    archive = key_client.get(f"/api/v1/recordings/download?recordingIds={recording_id}")
    assert archive.status_code == HTTPStatus.OK
    with zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))) as bundle:
        [name] = bundle.namelist()
        assert bundle.read(name) == whole

    url = key_client.get(f"/api/v1/recordings/{recording_id}/url").json()["url"]
    secret = url.split("secret=")[1]
    public = APIClient().get(f"/api/v1/recordings/{recording_id}?secret={secret}")
    assert public.status_code == HTTPStatus.OK
    assert public.json()["status"] == "complete"

    deleted = key_client.delete(f"/api/v1/recordings/{recording_id}")
    assert deleted.json() == {"message": f"Recording '{recording_id}' deleted successfully"}
    assert key_client.get(f"/api/v1/recordings/{recording_id}").status_code == HTTPStatus.NOT_FOUND
    assert store.get_json(f"recordings/.room_metadata/{room_id}/room_metadata.json") is None
    uid = recording_id.rsplit("--", 1)[1]
    assert store.head(f"recordings/{room_id}/{room_id}--{uid}.mp4") is None


def test_room_force_deletion_stops_and_deletes_its_recordings(
    meeting: dict[str, Any], key_client: APIClient, store: Any, settings: Any
) -> None:
    settings.RECORDING_STOP_GRACE_SECONDS = 0.2
    room_id = meeting["room"]["roomId"]
    recording_id = start(meeting["moderator"], room_id).json()["recordingId"]
    response = key_client.delete(f"/api/v1/rooms/{room_id}?withMeeting=force&withRecordings=force")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["successCode"] == "room_with_active_meeting_and_recordings_deleted"
    eventually(lambda: key_client.get(f"/api/v1/rooms/{room_id}").status_code == 404, timeout=40)
    eventually(lambda: metadata(store, recording_id) is None, timeout=40)
