"""Concurrent starts spread over two server processes: one 201, 409 for the rest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from meet.redis_connection import redis
from tests.services import free_port, meet_env

ROOT = Path(__file__).resolve().parents[2]


def server_env(moto_endpoint: str, livekit_url: str) -> dict[str, str]:
    return meet_env(
        moto_endpoint,
        LIVEKIT_URL=livekit_url,
        LIVEKIT_API_KEY="devkey",
        LIVEKIT_API_SECRET="secret",
        MEET_INITIAL_API_KEY="two-process-key",
        MEET_LOG_LEVEL="warn",
    )


@pytest.fixture
def two_servers(moto_endpoint: str, livekit_sim: Any, tmp_path: Path) -> Iterator[list[str]]:
    env = server_env(moto_endpoint, livekit_sim.ws_url)
    subprocess.run(
        [sys.executable, "manage.py", "init_storage"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    processes, urls = [], []
    for index in range(2):
        port = free_port()
        log = (tmp_path / f"server{index}.log").open("wb")
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "meet.wsgi:application",
                    "-b",
                    f"127.0.0.1:{port}",
                    "-k",
                    "gthread",
                    "--threads",
                    "16",
                    "--workers",
                    "1",
                    "--no-control-socket",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 30
        for url in urls:
            while True:
                try:
                    if requests.get(f"{url}/health", timeout=10).status_code == 200:
                        break
                except (requests.ConnectionError, requests.Timeout):
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError("servers did not start")
                time.sleep(0.1)
        livekit_sim.set_webhook_url(f"{urls[0]}/livekit/webhook")
        yield urls
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=15)


@pytest.mark.slow
def test_concurrent_starts_over_two_processes(two_servers: list[str], livekit_sim: Any) -> None:
    first, second = two_servers
    api = {"X-API-KEY": "two-process-key"}
    room = requests.post(
        f"{first}/api/v1/rooms", json={"roomName": "Race"}, headers=api, timeout=10
    ).json()
    room_id = room["roomId"]
    secret = room["moderatorUrl"].split("secret=")[1]
    token = requests.post(
        f"{second}/internal-api/v1/participants/token",
        json={"roomId": room_id, "secret": secret, "participantName": "Mod"},
        timeout=10,
    ).json()["token"]
    livekit_sim.add_participant(room_id, "Mod", name="Mod")
    headers = {"X-Participant-Token": f"Bearer {token}", "X-Participant-Role": "moderator"}

    def attempt(index: int) -> requests.Response:
        server = two_servers[index % 2]
        return requests.post(
            f"{server}/internal-api/v1/recordings",
            json={"roomId": room_id},
            headers=headers,
            timeout=40,
        )

    with ThreadPoolExecutor(10) as pool:
        responses = list(pool.map(attempt, range(10)))
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * 9, [r.text for r in responses]
    created = next(r for r in responses if r.status_code == 201).json()
    assert created["status"] == "active"
    assert redis().exists(f"ov_meet_lock:recording_active_{room_id}")

    stop = requests.post(
        f"{second}/internal-api/v1/recordings/{created['recordingId']}/stop",
        headers=headers,
        timeout=10,
    )
    assert stop.status_code == 202
    deadline = time.monotonic() + 15
    while redis().exists(f"ov_meet_lock:recording_active_{room_id}"):
        assert time.monotonic() < deadline, "the lock was not released after the stop"
        time.sleep(0.1)
    again = requests.post(
        f"{second}/internal-api/v1/recordings",
        json={"roomId": room_id},
        headers=headers,
        timeout=40,
    )
    assert again.status_code == 201
