"""``POST /livekit/webhook`` end to end: the LiveKit simulator (or a test playing LiveKit) POSTs
signed webhooks to our app served over HTTP; the handlers table is replaced by recorders."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
from google.protobuf import json_format
from livekit import api
from livekit.protocol import egress as egress_proto
from livekit.protocol import models
from livekit.protocol.webhook import WebhookEvent

from meet import livekit
from meet.redis_connection import redis
from meet.storage import get_object_store
from tests.livekit_sim import LiveKitSimulator
from webhooks import dispatch

OURS = json.dumps({"createdBy": "openviduMeet", "roomOptions": {"roomName": "Room"}})
OTHERS = json.dumps({"createdBy": "someoneElse", "roomOptions": {}})
HANDLED_EVENTS = (
    "room_started",
    "room_finished",
    "participant_joined",
    "participant_left",
    "egress_started",
    "egress_updated",
    "egress_ended",
)
WEBHOOK_JSON = "application/webhook+json"


class Recorder:
    """Stands in for every handler; remembers ``(event name, WebhookEvent)`` in call order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, WebhookEvent]] = []
        self.fail_on: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, event: WebhookEvent) -> None:
        with self._lock:
            self.calls.append((event.event, event))
        if event.event in self.fail_on:
            raise RuntimeError(f"handler of {event.event} failed")

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def of(self, name: str) -> list[WebhookEvent]:
        return [event for event_name, event in self.calls if event_name == name]


@pytest.fixture
def handled(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(dispatch, "EVENT_HANDLERS", dict.fromkeys(HANDLED_EVENTS, recorder))
    return recorder


@pytest.fixture
def webhook_url(meet_server: str) -> str:
    return f"{meet_server}/livekit/webhook"


def store_room(room_id: str) -> None:
    """A Meet room in storage, shaped like the reference's bucket sample."""
    get_object_store().put_json(
        f"rooms/{room_id}/{room_id}.json",
        {
            "roomId": room_id,
            "roomName": "Room",
            "creationDate": 1795435928122,
            "autoDeletionPolicy": {"withMeeting": "when_meeting_ends", "withRecordings": "close"},
            "config": {
                "recording": {"enabled": True, "allowAccessTo": "admin_moderator_speaker"},
                "chat": {"enabled": True},
                "virtualBackground": {"enabled": True},
            },
            "moderatorUrl": f"/room/{room_id}?secret=7dc254de39",
            "speakerUrl": f"/room/{room_id}?secret=364e0137c5",
            "status": "open",
            "meetingEndAction": "none",
        },
    )


def sha256_b64(body: bytes) -> str:
    return base64.b64encode(hashlib.sha256(body).digest()).decode()


def sign(
    body: bytes,
    *,
    key: str = "devkey",
    secret: str = "secret",
    ttl: datetime.timedelta = datetime.timedelta(minutes=5),
) -> str:
    return api.AccessToken(key, secret).with_sha256(sha256_b64(body)).with_ttl(ttl).to_jwt()


def event_body(event: str, *, event_id: str = "EV_test00000001", **fields: Any) -> bytes:
    message = WebhookEvent(event=event, id=event_id, created_at=int(time.time()), **fields)
    payload = json_format.MessageToDict(message)
    return json.dumps(payload, separators=(",", ":")).encode()


def post(
    url: str, body: bytes, authorization: str | None, content_type: str = WEBHOOK_JSON
) -> requests.Response:
    headers = {"Content-Type": content_type}
    if authorization is not None:
        headers["Authorization"] = authorization
    response = requests.post(url, data=body, headers=headers, timeout=10)
    assert response.status_code == 200
    assert response.content == b""
    return response


def dedupe_locks() -> list[str]:
    return sorted(key.decode() for key in redis().keys("ov_meet_lock:webhook_*"))


def delivered(sim: LiveKitSimulator) -> None:
    """Every webhook emitted so far answered (our app handles before it answers)."""
    assert sim.wait_webhooks_delivered(10)
    for record in sim.recorded_events():
        assert (record.delivered, record.status) == (True, 200), record.to_json()


# --- the simulator delivering real webhooks -----------------------------------------------------


def test_room_and_participant_events_of_our_rooms_reach_the_handlers(
    livekit_webhooks: LiveKitSimulator, handled: Recorder
) -> None:
    store_room("Room-abc")
    livekit.create_room("Room-abc", metadata=OURS)
    delivered(livekit_webhooks)
    assert handled.names == ["room_started"]
    started = handled.of("room_started")[0]
    assert (started.room.name, started.room.metadata) == ("Room-abc", OURS)
    assert started.id == livekit_webhooks.events("room_started")[0]["id"]

    livekit_webhooks.add_participant("Room-abc", "alice", name="Alice")
    livekit_webhooks.remove_participant("Room-abc", "alice")
    livekit.delete_room("Room-abc")
    delivered(livekit_webhooks)
    assert handled.names == [
        "room_started",
        "participant_joined",
        "participant_left",
        "room_finished",
    ]
    joined = handled.of("participant_joined")[0]
    assert (joined.room.name, joined.participant.identity, joined.participant.name) == (
        "Room-abc",
        "alice",
        "Alice",
    )
    assert joined.participant.sid
    assert handled.of("participant_left")[0].participant.identity == "alice"
    assert handled.of("room_finished")[0].room.name == "Room-abc"


def test_events_of_foreign_rooms_are_not_dispatched(
    livekit_webhooks: LiveKitSimulator, handled: Recorder
) -> None:
    # created by someone else and unknown to us
    livekit.create_room("Foreign-1", metadata=OTHERS)
    livekit_webhooks.add_participant("Foreign-1", "alice")
    # created by someone else, even if a Meet room of that name exists
    store_room("Foreign-2")
    livekit.create_room("Foreign-2", metadata=OTHERS)
    livekit_webhooks.add_participant("Foreign-2", "bob")
    # our metadata, but the Meet room does not exist (deleted)
    livekit.create_room("Gone-1", metadata=OURS)
    livekit_webhooks.add_participant("Gone-1", "carol")
    delivered(livekit_webhooks)
    assert len(livekit_webhooks.recorded_events()) == 6
    assert handled.calls == []


def test_rooms_with_empty_metadata_are_ours_iff_they_exist_in_storage(
    livekit_webhooks: LiveKitSimulator, handled: Recorder
) -> None:
    store_room("Plain-1")
    livekit.create_room("Plain-1")
    livekit.create_room("Plain-2")
    livekit_webhooks.add_participant("Plain-1", "alice")
    livekit_webhooks.add_participant("Plain-2", "bob")
    delivered(livekit_webhooks)
    assert [(name, event.room.name) for name, event in handled.calls] == [
        ("room_started", "Plain-1"),
        ("participant_joined", "Plain-1"),
    ]


def test_egress_events_use_the_egress_room_name_for_ownership(
    livekit_webhooks: LiveKitSimulator, handled: Recorder
) -> None:
    store_room("Rec-1")
    livekit.create_room("Rec-1", metadata=OURS)
    livekit.create_room("Rec-foreign", metadata=OTHERS)
    for room in ("Rec-1", "Rec-foreign"):
        livekit_webhooks.add_participant(room, "alice")
    ours = livekit.start_room_composite_egress("Rec-1", "openvidu-meet/recordings/Rec-1/Rec-1--abc")
    foreign = livekit.start_room_composite_egress(
        "Rec-foreign", "openvidu-meet/recordings/Rec-foreign/Rec-foreign--abc"
    )
    for egress in (ours, foreign):
        livekit_webhooks.wait_for_event(
            "egress_updated", lambda p, e=egress: p["egressInfo"]["egressId"] == e.egress_id
        )
        livekit.stop_egress(egress.egress_id)
        livekit_webhooks.wait_for_event(
            "egress_ended", lambda p, e=egress: p["egressInfo"]["egressId"] == e.egress_id
        )
    delivered(livekit_webhooks)

    egress_calls = [(n, e) for n, e in handled.calls if n.startswith("egress_")]
    assert [n for n, _ in egress_calls] == [
        "egress_started",
        "egress_updated",
        "egress_updated",
        "egress_ended",
    ]
    assert {e.egress_info.egress_id for _, e in egress_calls} == {ours.egress_id}
    assert [e.egress_info.status for _, e in egress_calls] == [
        egress_proto.EgressStatus.EGRESS_STARTING,
        egress_proto.EgressStatus.EGRESS_ACTIVE,
        egress_proto.EgressStatus.EGRESS_ENDING,
        egress_proto.EgressStatus.EGRESS_COMPLETE,
    ]
    # the recorder's participant events of our room are dispatched too (handlers skip them)
    assert {e.room.name for n, e in handled.calls if n.startswith("participant_")} == {"Rec-1"}


# --- ownership of hand-made events ----------------------------------------------------------------


def test_empty_event_metadata_falls_back_to_the_livekit_room_metadata(
    livekit_sim: LiveKitSimulator, webhook_url: str, handled: Recorder
) -> None:
    livekit.create_room("Live-ours", metadata=OURS)  # ours according to LiveKit, not in storage
    livekit.create_room("Live-other", metadata=OTHERS)
    for number, name in enumerate(("Live-ours", "Live-other", "Live-missing")):
        body = event_body(
            "participant_joined",
            event_id=f"EV_meta{number}",
            room=models.Room(name=name),
            participant=models.ParticipantInfo(identity="alice", sid="PA_alice"),
        )
        post(webhook_url, body, sign(body))
    assert [e.room.name for e in handled.of("participant_joined")] == ["Live-ours"]


def test_egress_events_fall_back_to_storage_and_need_a_room_name(
    livekit_sim: LiveKitSimulator, webhook_url: str, handled: Recorder
) -> None:
    store_room("Stored-1")  # no LiveKit room any more: storage decides
    cases = [("EV_egress1", "Stored-1"), ("EV_egress2", "Unknown-1"), ("EV_egress3", "")]
    for event_id, room_name in cases:
        info = egress_proto.EgressInfo(egress_id=f"EG_{event_id}", room_name=room_name)
        body = event_body("egress_ended", event_id=event_id, egress_info=info)
        post(webhook_url, body, sign(body))
    assert [e.egress_info.room_name for e in handled.of("egress_ended")] == ["Stored-1"]


# --- rejected deliveries: 200, empty body, nothing handled --------------------------------------


def _owned_event() -> bytes:
    store_room("Owned-1")
    return event_body(
        "participant_joined",
        event_id="EV_owned0000001",
        room=models.Room(name="Owned-1", metadata=OURS),
        participant=models.ParticipantInfo(identity="alice", sid="PA_alice"),
    )


def _tampered(body: bytes) -> tuple[bytes, str | None, str]:
    changed = body.replace(b'"alice"', b'"mallory"')
    assert changed != body
    return changed, sign(body), WEBHOOK_JSON


REJECTED: dict[str, Callable[[bytes], tuple[bytes, str | None, str]]] = {
    "signed with another secret": lambda b: (b, sign(b, secret="another-secret"), WEBHOOK_JSON),
    "issued by another API key": lambda b: (b, sign(b, key="otherkey"), WEBHOOK_JSON),
    "tampered body": _tampered,
    "application/json": lambda b: (b, sign(b), "application/json"),
    "text/plain": lambda b: (b, sign(b), "text/plain"),
    "no Authorization header": lambda b: (b, None, WEBHOOK_JSON),
    "empty Authorization header": lambda b: (b, "", WEBHOOK_JSON),
    "Bearer-prefixed token": lambda b: (b, f"Bearer {sign(b)}", WEBHOOK_JSON),
    "garbage token": lambda b: (b, "not-a-jwt", WEBHOOK_JSON),
    "expired beyond the leeway": lambda b: (
        b,
        sign(b, ttl=datetime.timedelta(seconds=-30)),
        WEBHOOK_JSON,
    ),
    "token without sha256": lambda b: (
        b,
        api.AccessToken("devkey", "secret").to_jwt(),
        WEBHOOK_JSON,
    ),
}


@pytest.mark.parametrize("case", list(REJECTED))
def test_rejected_deliveries_answer_200_and_run_nothing(
    case: str, livekit_sim: LiveKitSimulator, webhook_url: str, handled: Recorder
) -> None:
    good = _owned_event()
    body, authorization, content_type = REJECTED[case](good)
    post(webhook_url, body, authorization, content_type)
    assert handled.calls == []
    assert dedupe_locks() == []  # rejected before the de-duplication lock

    post(webhook_url, good, sign(good))  # the genuine delivery still goes through
    assert handled.names == ["participant_joined"]
    assert handled.calls[0][1].participant.identity == "alice"


@pytest.mark.parametrize(
    "body", [b"{not json", b"", b"[]", b'"text"', b'{"event": 5, "room": "x"}'], ids=repr
)
def test_garbage_bodies_answer_200_and_run_nothing(
    body: bytes, livekit_sim: LiveKitSimulator, webhook_url: str, handled: Recorder
) -> None:
    post(webhook_url, body, sign(body))
    assert handled.calls == []
    # (protobuf's parser takes ``[]`` for an empty event, which then holds ``webhook__`` 5 s)
    assert set(dedupe_locks()) <= {"ov_meet_lock:webhook__"}


def test_a_token_expired_within_the_leeway_is_accepted(
    livekit_sim: LiveKitSimulator, webhook_url: str, handled: Recorder
) -> None:
    body = _owned_event()
    post(webhook_url, body, sign(body, ttl=datetime.timedelta(seconds=-3)))
    assert handled.names == ["participant_joined"]


def test_content_type_parameters_are_accepted(
    livekit_sim: LiveKitSimulator, webhook_url: str, handled: Recorder
) -> None:
    body = _owned_event()
    post(webhook_url, body, sign(body), "application/webhook+json; charset=utf-8")
    assert handled.names == ["participant_joined"]


# --- de-duplication and errors ------------------------------------------------------------------


def test_the_same_event_is_handled_once(
    livekit_sim: LiveKitSimulator, webhook_url: str, handled: Recorder
) -> None:
    body = _owned_event()
    post(webhook_url, body, sign(body))
    time.sleep(0.2)
    post(webhook_url, body, sign(body))  # a redelivery, freshly signed
    assert handled.names == ["participant_joined"]

    key = "ov_meet_lock:webhook_participant_joined_EV_owned0000001"
    assert dedupe_locks() == [key]
    assert 0 < redis().pttl(key) <= 5000

    # the same id with another event name is another event
    other = _owned_event().replace(b'"participant_joined"', b'"participant_left"')
    post(webhook_url, other, sign(other))
    assert handled.names == ["participant_joined", "participant_left"]

    redis().delete(key)  # as if the 5 s had passed
    post(webhook_url, body, sign(body))
    assert handled.names == ["participant_joined", "participant_left", "participant_joined"]


def test_concurrent_redeliveries_are_handled_once(
    livekit_sim: LiveKitSimulator, webhook_url: str, handled: Recorder
) -> None:
    body = _owned_event()
    threads = [
        threading.Thread(target=post, args=(webhook_url, body, sign(body))) for _ in range(5)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert handled.names == ["participant_joined"]


def test_simulator_retries_of_a_delivered_event_are_not_handled_twice(
    livekit_webhooks: LiveKitSimulator, handled: Recorder, webhook_url: str
) -> None:
    store_room("Room-dup")
    livekit.create_room("Room-dup", metadata=OURS)
    delivered(livekit_webhooks)
    (record,) = livekit_webhooks.recorded_events("room_started")
    post(webhook_url, record.body, sign(record.body))  # LiveKit retrying the same event
    assert handled.names == ["room_started"]


def test_unknown_events_are_ignored(
    livekit_sim: LiveKitSimulator, webhook_url: str, handled: Recorder
) -> None:
    store_room("Owned-2")
    body = event_body(
        "track_published", event_id="EV_track", room=models.Room(name="Owned-2", metadata=OURS)
    )
    post(webhook_url, body, sign(body))
    assert handled.calls == []


def test_a_failing_handler_still_answers_200(
    livekit_sim: LiveKitSimulator, webhook_url: str, handled: Recorder
) -> None:
    handled.fail_on.add("participant_joined")
    body = _owned_event()
    post(webhook_url, body, sign(body))
    assert handled.names == ["participant_joined"]
    left = body.replace(b'"participant_joined"', b'"participant_left"')
    post(webhook_url, left, sign(left))
    assert handled.names == ["participant_joined", "participant_left"]


def test_livekit_being_down_while_checking_ownership_still_answers_200(
    livekit_sim: LiveKitSimulator, webhook_url: str, handled: Recorder, settings: Any
) -> None:
    from tests.services import free_port

    settings.LIVEKIT_URL_PRIVATE = f"ws://127.0.0.1:{free_port()}"
    livekit.reset_client()
    store_room("Owned-3")
    body = event_body(
        "participant_left",
        event_id="EV_down",
        room=models.Room(name="Owned-3"),
        participant=models.ParticipantInfo(identity="alice"),
    )
    started = time.monotonic()
    post(webhook_url, body, sign(body))
    assert time.monotonic() - started < 8
