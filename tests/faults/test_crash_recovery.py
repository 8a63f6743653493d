"""Crash recovery: the whole server killed in the middle of a recording, and of a start.

The server is ``bin/run`` (web and Celery worker), as deployed, in its own session; "killed"
is SIGKILL to its process group, so nothing of it gets to clean up. LiveKit (the simulator,
in the test process) goes on while it is down: the meeting ends and the egress finishes,
uploading its MP4, and every webhook about it is lost (the simulator gives up on a server
that does not answer). After a restart the recording still says ``active`` (or ``starting``),
its media answers 409, the room stays ``active_meeting`` and keeps its recording lock; then
``manage.py reconcile`` runs, as an operator would run it after an outage, and everything
must be as the lost webhooks would have left it, with the customer webhooks they would have
sent.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
import requests
from livekit.protocol import egress as egress_proto

from meet.redis_connection import redis
from tests.livekit_sim import LiveKitSimulator
from tests.rooms.helpers import secret
from tests.services import eventually, free_port, meet_env
from tests.webhook_receiver import WebhookReceiver, verify_signature

pytestmark = pytest.mark.slow
logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[2]
API_KEY = "crash-recovery-api-key"
START_TIMEOUT_SECONDS = 60
E = egress_proto.EgressStatus


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"X-API-KEY": API_KEY, **kwargs.pop("headers", {})}
        return requests.request(method, f"{self.url}{path}", headers=headers, timeout=30, **kwargs)

    def kill(self) -> None:
        """SIGKILL to the whole process group (runner, gunicorn, Celery), then wait until no
        process of the group is left."""
        group = self.process.pid  # a new session: the runner leads its process group
        os.killpg(group, signal.SIGKILL)
        self.process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while True:
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                return
            assert time.monotonic() < deadline, f"processes of group {group} survived SIGKILL"
            time.sleep(0.05)


@dataclass
class Deployment:
    env: dict[str, str]
    port: int
    log: Path
    sim: LiveKitSimulator
    customer: WebhookReceiver

    @contextlib.contextmanager
    def server(self) -> Iterator[Server]:
        with self.log.open("ab") as output:
            process = subprocess.Popen(
                [sys.executable, str(REPO / "bin" / "run")],
                cwd=REPO,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = Server(process, f"http://127.0.0.1:{self.port}", self.log)
        try:
            deadline = time.monotonic() + START_TIMEOUT_SECONDS
            while True:
                assert process.poll() is None, f"bin/run exited:\n{self.output()}"
                try:
                    if requests.get(f"{server.url}/health", timeout=2).status_code == 200:
                        break
                except (requests.ConnectionError, requests.Timeout):
                    pass
                assert time.monotonic() < deadline, f"bin/run did not start:\n{self.output()}"
                time.sleep(0.2)
            yield server
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-6000:]

    def reconcile(self, *args: str) -> tuple[list[str], float]:
        """``manage.py reconcile`` beside the running server; its lines and wall time."""
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "manage.py", "reconcile", *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        elapsed = time.monotonic() - started
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout.strip().splitlines(), elapsed

    def events(self) -> list[str]:
        return [request.json()["event"] for request in self.customer.received]

    def wait_for_events(self, *names: str) -> None:
        eventually(lambda: all(name in self.events() for name in names), timeout=30)


@pytest.fixture
def deployment(
    moto_endpoint: str, livekit_sim: LiveKitSimulator, tmp_path: Path
) -> Iterator[Deployment]:
    customer = WebhookReceiver()
    customer_url = customer.start()
    port = free_port()
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.write_text("")
    env = meet_env(
        moto_endpoint,
        LIVEKIT_URL=livekit_sim.ws_url,
        LIVEKIT_API_KEY="devkey",
        LIVEKIT_API_SECRET="secret",
        MEET_INITIAL_API_KEY=API_KEY,
        MEET_INITIAL_WEBHOOK_ENABLED="true",
        MEET_INITIAL_WEBHOOK_URL=customer_url,
        MEET_CONFIG_DIR=str(empty_env_file),
        MEET_RUN_ROLES="web,worker",
        MEET_WEB_WORKERS="1",
        MEET_LOG_LEVEL="info",
        SERVER_PORT=str(port),
    )
    livekit_sim.set_webhook_url(f"http://127.0.0.1:{port}/livekit/webhook")
    try:
        yield Deployment(env, port, tmp_path / "server.log", livekit_sim, customer)
    finally:
        customer.stop()


def open_meeting(server: Server, sim: LiveKitSimulator) -> tuple[str, dict[str, str]]:
    """A room whose meeting runs: a moderator's token (LiveKit creates the room), the
    moderator in it; returns the room id and the moderator's headers."""
    room = server.api("POST", "/api/v1/rooms", json={"roomName": "Crash"}).json()
    room_id = room["roomId"]
    token = requests.post(
        f"{server.url}/internal-api/v1/participants/token",
        json={"roomId": room_id, "secret": secret(room["moderatorUrl"]), "participantName": "Mod"},
        timeout=30,
    ).json()["token"]
    sim.add_participant(room_id, "Mod", name="Mod")
    eventually(
        lambda: server.api("GET", f"/api/v1/rooms/{room_id}").json()["status"] == "active_meeting"
    )
    return room_id, {"X-Participant-Token": f"Bearer {token}", "X-Participant-Role": "moderator"}


def lost_while_down(deployment: Deployment, room_id: str, egress_id: str) -> None:
    """The server is dead: the meeting ends, the egress finishes, and nobody hears of it."""
    sim = deployment.sim
    sim.close_room(room_id)
    eventually(lambda: sim.get_egress(egress_id).status == E.EGRESS_COMPLETE, timeout=15)
    assert sim.wait_webhooks_delivered(15)
    lost = {
        record.event
        for record in sim.recorded_events()
        if record.delivered is False
        and (
            record.payload.get("room", {}).get("name") == room_id
            or record.payload.get("egressInfo", {}).get("egressId") == egress_id
        )
    }
    assert {"room_finished", "egress_updated", "egress_ended"} <= lost


def assert_repaired(
    deployment: Deployment,
    server: Server,
    room_id: str,
    recording_id: str,
    egress_id: str,
    events_before: int,
) -> None:
    """Recording complete with its size and duration, media 200, meeting ended, lock free,
    the customer told."""
    egress = deployment.sim.get_egress(egress_id)
    repaired = server.api("GET", f"/api/v1/recordings/{recording_id}").json()
    assert repaired["status"] == "complete"
    assert repaired["size"] == egress.file_results[0].size > 0
    assert repaired["duration"] == pytest.approx(egress.file_results[0].duration * 1e-9)
    assert repaired["endDate"] == pytest.approx(egress.ended_at * 1e-6)
    media = server.api("GET", f"/api/v1/recordings/{recording_id}/media")
    assert media.status_code == HTTPStatus.OK
    assert len(media.content) == repaired["size"]
    assert media.content[4:8] == b"ftyp"
    room = server.api("GET", f"/api/v1/rooms/{room_id}").json()
    assert (room["status"], room["meetingEndAction"]) == ("open", "none")
    assert not redis().exists(f"ov_meet_lock:recording_active_{room_id}")

    customer = deployment.customer
    deployment.wait_for_events("recordingEnded", "meetingEnded")
    time.sleep(0.5)  # nothing else follows
    after = customer.received[events_before:]
    assert sorted(request.json()["event"] for request in after) == [
        "meetingEnded",
        "recordingEnded",
    ]
    for request in after:
        assert verify_signature(request, API_KEY)
        body = request.json()
        if body["event"] == "recordingEnded":
            assert body["data"] == repaired
        else:
            assert body["data"]["roomId"] == room_id and body["data"]["status"] == "open"


def test_killed_while_recording_the_egress_ends_unheard_and_reconciliation_repairs_it(
    deployment: Deployment,
) -> None:
    sim = deployment.sim
    with deployment.server() as server:
        room_id, moderator = open_meeting(server, sim)
        started = requests.post(
            f"{server.url}/internal-api/v1/recordings",
            json={"roomId": room_id},
            headers=moderator,
            timeout=40,
        )
        assert started.status_code == HTTPStatus.CREATED, started.text
        recording_id = started.json()["recordingId"]
        egress_id = recording_id.split("--")[1]
        deployment.wait_for_events("meetingStarted", "recordingStarted", "recordingUpdated")
        server.kill()

    lost_while_down(deployment, room_id, egress_id)

    with deployment.server() as server:
        # what the lost webhooks leave behind, until the reconciliation runs
        assert server.api("GET", f"/api/v1/recordings/{recording_id}").json()["status"] == (
            "active"
        )
        media = server.api("GET", f"/api/v1/recordings/{recording_id}/media")
        assert media.status_code == HTTPStatus.CONFLICT
        assert server.api("GET", f"/api/v1/rooms/{room_id}").json()["status"] == "active_meeting"
        assert redis().exists(f"ov_meet_lock:recording_active_{room_id}")
        events_before = len(deployment.customer.received)

        dry, _ = deployment.reconcile("--dry-run", "--grace", "0")
        assert dry[:2] == [
            f"recording {recording_id}: active -> complete (LiveKit: EGRESS_COMPLETE)",
            f"meeting {room_id}: active_meeting -> open (LiveKit room gone)",
        ]
        assert server.api("GET", f"/api/v1/recordings/{recording_id}").json()["status"] == (
            "active"
        )

        lines, elapsed = deployment.reconcile("--grace", "0")
        assert lines[:2] == dry[:2]
        assert lines[2].startswith("1 recording(s) repaired, 1 meeting(s) ended, 0 room(s) busy")
        logger.info(
            "reconcile after a crash while recording: %s; command %.2f s", lines[2], elapsed
        )
        assert_repaired(deployment, server, room_id, recording_id, egress_id, events_before)

        again, _ = deployment.reconcile("--grace", "0")
        assert again[0].startswith("0 recording(s) repaired, 0 meeting(s) ended")


def test_killed_during_a_start_the_egress_runs_and_ends_unheard_and_reconciliation_repairs_it(
    deployment: Deployment,
) -> None:
    sim = deployment.sim
    sim.configure(egress_active_delay=6.0)  # the start waits for ACTIVE: kill it then
    answers: list[Any] = []
    with deployment.server() as server:
        room_id, moderator = open_meeting(server, sim)

        def start() -> None:
            try:
                answers.append(
                    requests.post(
                        f"{server.url}/internal-api/v1/recordings",
                        json={"roomId": room_id},
                        headers=moderator,
                        timeout=40,
                    )
                )
            except requests.ConnectionError as error:
                answers.append(error)

        starting = threading.Thread(target=start)
        starting.start()
        listed = eventually(
            lambda: server.api("GET", f"/api/v1/recordings?roomId={room_id}").json()["recordings"]
        )
        [stored] = listed
        recording_id = stored["recordingId"]
        egress_id = recording_id.split("--")[1]
        assert stored["status"] == "starting"
        deployment.wait_for_events("meetingStarted", "recordingStarted")
        assert sim.get_egress(egress_id).status == E.EGRESS_STARTING
        server.kill()
        starting.join(timeout=30)
    assert isinstance(answers[0], requests.ConnectionError)  # the start never answered

    eventually(lambda: sim.get_egress(egress_id).status == E.EGRESS_ACTIVE, timeout=15)
    lost_while_down(deployment, room_id, egress_id)

    with deployment.server() as server:
        assert server.api("GET", f"/api/v1/recordings/{recording_id}").json()["status"] == (
            "starting"
        )
        assert redis().exists(f"ov_meet_lock:recording_active_{room_id}")  # the start's
        events_before = len(deployment.customer.received)

        lines, elapsed = deployment.reconcile("--grace", "0")
        assert lines[:2] == [
            f"recording {recording_id}: starting -> complete (LiveKit: EGRESS_COMPLETE)",
            f"meeting {room_id}: active_meeting -> open (LiveKit room gone)",
        ]
        logger.info("reconcile after a crash during a start: %s; command %.2f s", lines[2], elapsed)
        assert_repaired(deployment, server, room_id, recording_id, egress_id, events_before)

        # the room is free to record again
        sim.configure(egress_active_delay=0.05)
        sim.add_participant(room_id, "Mod", name="Mod")
        again = requests.post(
            f"{server.url}/internal-api/v1/recordings",
            json={"roomId": room_id},
            headers=moderator,
            timeout=40,
        )
        assert again.status_code == HTTPStatus.CREATED, again.text
