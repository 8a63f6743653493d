"""An egress webhook makes its new state visible without waiting for LiveKit.

Right after ``POST /internal-api/v1/recordings/{id}/stop`` a ``GET`` must show ``ending``: that
state is stored when LiveKit's ``egress_updated`` arrives, so nothing that calls LiveKit may come
before the save. A LiveKit that accepts connections but never answers (a frozen process) makes
any such call visible as a wait of ``MEET_LIVEKIT_TIMEOUT``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from livekit.protocol import egress as egress_proto

from meet import livekit
from meet.storage import get_object_store
from tests.recordings.helpers import store_recording
from tests.webhooks.test_livekit_receiver import (
    HANDLED_EVENTS,
    Recorder,
    event_body,
    post,
    sign,
    store_room,
)
from webhooks import dispatch

ROOM = "Frozen-1"


@pytest.fixture
def handled(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(dispatch, "EVENT_HANDLERS", dict.fromkeys(HANDLED_EVENTS, recorder))
    return recorder


@pytest.fixture
def webhook_url(meet_server: str) -> str:
    return f"{meet_server}/livekit/webhook"


@pytest.fixture
def frozen_livekit(settings: Any) -> Iterator[None]:
    """LiveKit's address accepts connections (the kernel's backlog) and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    settings.LIVEKIT_URL_PRIVATE = f"ws://127.0.0.1:{listener.getsockname()[1]}"
    settings.MEET_LIVEKIT_TIMEOUT = 2
    livekit.reset_client()
    try:
        yield
    finally:
        livekit.reset_client()
        listener.close()


def egress_info(recording: dict[str, Any], status: int) -> egress_proto.EgressInfo:
    room_id, egress_id, uid = recording["recordingId"].split("--")
    now_ns = time.time_ns()
    info = egress_proto.EgressInfo(
        egress_id=egress_id,
        room_name=room_id,
        status=status,  # type: ignore[arg-type]
        started_at=now_ns - 60_000_000_000,
        updated_at=now_ns,
    )
    info.file_results.add(filename=f"openvidu-meet/recordings/{room_id}/{room_id}--{uid}.mp4")
    return info


def test_an_egress_event_of_a_stored_room_reaches_its_handler_without_asking_livekit(
    frozen_livekit: None, webhook_url: str, handled: Recorder
) -> None:
    store_room(ROOM)
    info = egress_proto.EgressInfo(egress_id="EG_frozen00001", room_name=ROOM)
    body = event_body("egress_updated", event_id="EV_frozen00001", egress_info=info)
    started = time.monotonic()
    post(webhook_url, body, sign(body))
    assert time.monotonic() - started < 1
    assert [e.egress_info.egress_id for e in handled.of("egress_updated")] == ["EG_frozen00001"]


def test_an_egress_event_of_a_room_not_in_storage_still_asks_livekit(
    frozen_livekit: None, webhook_url: str, handled: Recorder
) -> None:
    """Storage first, LiveKit's metadata second: the reference's rule, in a cheaper order."""
    info = egress_proto.EgressInfo(egress_id="EG_frozen00002", room_name="Not-stored-1")
    body = event_body("egress_updated", event_id="EV_frozen00002", egress_info=info)
    started = time.monotonic()
    post(webhook_url, body, sign(body))
    assert time.monotonic() - started >= 2  # waited for LiveKit, which did not answer
    assert handled.calls == []


def test_the_ending_state_is_stored_before_anything_waits_for_livekit(
    frozen_livekit: None, meet_server: str, initialized: None
) -> None:
    """With the real handlers: the meeting's data message and the ownership check may wait for
    a frozen LiveKit, the stored ``ending`` may not."""
    store_room(ROOM)
    recording = store_recording(ROOM, status="active", media=None)
    room_id, egress_id, uid = recording["recordingId"].split("--")
    key = f"recordings/.metadata/{room_id}/{egress_id}/{uid}.json"
    body = event_body(
        "egress_updated",
        event_id="EV_frozen00003",
        egress_info=egress_info(recording, egress_proto.EgressStatus.EGRESS_ENDING),
    )
    answered = threading.Event()

    def deliver() -> None:
        requests.post(
            f"{meet_server}/livekit/webhook",
            data=body,
            headers={"Content-Type": "application/webhook+json", "Authorization": sign(body)},
            timeout=30,
        )
        answered.set()

    started = time.monotonic()
    threading.Thread(target=deliver, daemon=True).start()
    while get_object_store().get_json(key)["status"] != "ending":
        assert time.monotonic() - started < 1, "ending was not stored within 1 s"
        time.sleep(0.01)
    assert not answered.is_set()  # the handler goes on (to a LiveKit that does not answer)
    assert answered.wait(15)
