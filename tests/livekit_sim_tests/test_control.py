"""The ``/_sim/`` control API over HTTP, and the ``python -m tests.livekit_sim`` entry point."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from livekit import api
from livekit.protocol import egress as egress_pb
from livekit.protocol import room as room_pb

from tests.livekit_sim import LiveKitSimulator
from tests.livekit_sim_tests.conftest import API_KEY, API_SECRET, WebhookReceiver
from tests.services import free_port

REPO = Path(__file__).resolve().parents[2]


def control(sim: LiveKitSimulator, method: str, path: str, body: Any = None) -> Any:
    response = requests.request(method, f"{sim.url}/_sim/{path}", json=body, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def test_participants_and_rooms(sim: LiveKitSimulator) -> None:
    joined = control(
        sim,
        "POST",
        "rooms/My%20Room/participants",
        {"identity": "alice", "name": "Alice", "metadata": "{}", "canPublish": False},
    )
    assert joined["identity"] == "alice"
    assert joined["permission"].get("canPublish", False) is False
    state = control(sim, "GET", "state")
    [room] = state["rooms"]
    assert room["name"] == "My Room"
    assert [p["identity"] for p in room["participants"]] == ["alice"]
    assert room.get("numPublishers", 0) == 0

    control(sim, "DELETE", "rooms/My%20Room/participants/alice?closeIfEmpty=true")
    events = control(sim, "GET", "events")["events"]
    assert [e["event"] for e in events] == [
        "room_started",
        "participant_joined",
        "participant_left",
        "room_finished",
    ]
    assert events[-1]["payload"]["room"]["name"] == "My Room"
    only = control(sim, "GET", "events?event=participant_left")["events"]
    assert [e["payload"]["participant"]["identity"] for e in only] == ["alice"]


def test_close_room_and_config(sim: LiveKitSimulator) -> None:
    config = control(sim, "POST", "config", {"departureTimeout": 0.1, "egressActiveDelay": 0.01})
    assert (config["departure_timeout"], config["egress_active_delay"]) == (0.1, 0.01)
    control(sim, "POST", "rooms/r1/participants", {"identity": "alice"})
    control(sim, "POST", "rooms/r1/close")
    assert sim.event_names()[-1] == "room_finished"


def test_egress_hooks(sim: LiveKitSimulator, lk) -> None:
    control(sim, "POST", "rooms/r1/participants", {"identity": "alice"})
    request = egress_pb.RoomCompositeEgressRequest(
        room_name="r1", file_outputs=[egress_pb.EncodedFileOutput(filepath="p/r1--x")]
    )

    control(sim, "POST", "egress/fail-next-start", {"code": "internal", "msg": "boom"})
    with pytest.raises(api.ServerError) as excinfo:
        lk(lambda a: a.egress.start_room_composite_egress(request))
    assert (excinfo.value.code, excinfo.value.message) == ("internal", "boom")

    control(sim, "POST", "egress/delay-next-start", {"seconds": 0.3})
    started = time.monotonic()
    lk(lambda a: a.egress.start_room_composite_egress(request))
    assert time.monotonic() - started >= 0.3

    control(sim, "POST", "egress/hang-next")
    hung = lk(lambda a: a.egress.start_room_composite_egress(request))

    control(sim, "POST", "egress/fail-next", {"error": "bad", "errorCode": 2, "after": "active"})
    failing = lk(lambda a: a.egress.start_room_composite_egress(request))
    ended = sim.wait_for_event("egress_ended")["egressInfo"]
    assert (ended["egressId"], ended["error"]) == (failing.egress_id, "bad")

    control(sim, "POST", "egress/stale-next", {"backdateSeconds": 3600})
    stale = lk(lambda a: a.egress.start_room_composite_egress(request))
    sim.wait_for_event("egress_updated", lambda p: p["egressInfo"]["egressId"] == stale.egress_id)
    assert sim.get_egress(stale.egress_id).updated_at < time.time_ns() - 3500 * 10**9

    control(sim, "POST", f"egress/{hung.egress_id}/stale", {"backdateSeconds": 10})
    egresses = {e["egressId"]: e for e in control(sim, "GET", "state")["egresses"]}
    assert egresses[hung.egress_id]["stale"] is True
    assert "status" not in egresses[hung.egress_id]  # still EGRESS_STARTING (zero value)


def test_webhook_url_data_and_reset(
    sim: LiveKitSimulator, lk, webhook_receiver: WebhookReceiver
) -> None:
    control(sim, "PUT", "webhook", {"url": None})
    lk(lambda a: a.room.create_room(room_pb.CreateRoomRequest(name="r1")))
    lk(lambda a: a.room.send_data(room_pb.SendDataRequest(room="r1", data=b'{"a":1}', topic="t")))
    [message] = control(sim, "GET", "data?room=r1")["messages"]
    assert (message["data"], message["topic"], message["kind"]) == ('{"a":1}', "t", "RELIABLE")
    assert control(sim, "GET", "data?room=other")["messages"] == []

    control(sim, "PUT", "webhook", {"url": webhook_receiver.url})
    sim.add_participant("r1", "alice")
    assert sim.wait_webhooks_delivered()
    assert [e.event for e in webhook_receiver.accepted] == ["participant_joined"]

    control(sim, "POST", "reset")
    state = control(sim, "GET", "state")
    assert (state["rooms"], state["egresses"]) == ([], [])
    assert control(sim, "GET", "events")["events"] == []
    assert control(sim, "GET", "data")["messages"] == []


def test_control_errors(sim: LiveKitSimulator) -> None:
    missing = requests.get(f"{sim.url}/_sim/nope", timeout=5)
    assert (missing.status_code, missing.json()["code"]) == (404, "bad_route")
    no_identity = requests.post(f"{sim.url}/_sim/rooms/r1/participants", json={}, timeout=5)
    assert no_identity.status_code == 400
    gone = requests.delete(f"{sim.url}/_sim/rooms/r1/participants/x", timeout=5)
    assert (gone.status_code, gone.json()["code"]) == (404, "not_found")
    bad_option = requests.post(f"{sim.url}/_sim/config", json={"nope": 1}, timeout=5)
    assert bad_option.status_code == 400
    assert requests.get(f"{sim.url}/_sim/health", timeout=5).json() == {"ok": True}


@pytest.mark.slow
def test_command_line(webhook_receiver: WebhookReceiver) -> None:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "LIVEKIT_API_KEY": API_KEY}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.livekit_sim",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--webhook-url",
            webhook_receiver.url,
            "--api-secret",
            API_SECRET,
            "--storage",
            "memory",
            "--log-level",
            "WARNING",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                requests.get(f"{url}/_sim/health", timeout=1).raise_for_status()
                break
            except requests.RequestException:
                assert process.poll() is None, "the simulator exited"
                assert time.monotonic() < deadline, "the simulator did not come up"
                time.sleep(0.1)

        async def create() -> None:
            async with api.LiveKitAPI(url.replace("http", "ws"), API_KEY, API_SECRET) as lkapi:
                await lkapi.room.create_room(room_pb.CreateRoomRequest(name="cli"))

        asyncio.run(create())
        deadline = time.monotonic() + 5
        while not webhook_receiver.accepted and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [e.room.name for e in webhook_receiver.accepted] == ["cli"]
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert f"LiveKit simulator on {url}" in output


def call(sim: LiveKitSimulator, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    response = requests.request(method, f"{sim.url}/_sim/{path}", json=body, timeout=5)
    return response.status_code, response.json()


def test_backdate_and_full_rooms_over_http(sim: LiveKitSimulator, lk) -> None:
    from livekit.protocol import room as room_pb

    lk(lambda a: a.room.create_room(room_pb.CreateRoomRequest(name="r1", max_participants=1)))
    before = sim.get_room("r1").creation_time_ms
    status, room = call(sim, "POST", "rooms/r1/backdate", {"seconds": 90})
    assert status == 200
    assert int(room["creationTimeMs"]) == before - 90_000
    assert call(sim, "POST", "rooms/r1/participants", {"identity": "a"})[0] == 200
    status, body = call(sim, "POST", "rooms/r1/participants", {"identity": "b"})
    assert (status, body) == (
        429,
        {"code": "resource_exhausted", "msg": "room has exceeded its max participants"},
    )
    assert call(sim, "POST", "rooms/nope/backdate", {"seconds": 1})[0] == 404
