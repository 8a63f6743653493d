"""``bin/run``'s process model: long-polls do not block other requests, the Celery roles run
inside the web process by default, and ``manage.py`` in a second shell finds the instance."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from pathlib import Path

import pytest
import requests

from tests.livekit_sim import LiveKitSimulator, NullStorage
from tests.meet.test_run_command import (
    _NOT_INHERITED,
    REPO,
    Runner,
    runner_env,
    running,
    stop_and_assert_nothing_left,
    wait_until_healthy,
)
from tests.services import eventually
from tests.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.slow

API = {"X-API-KEY": "model-api-key"}
EGRESS_ACTIVE_AFTER_SECONDS = 4.0
WAITING_STARTS = 6


def _processes_of(runner: Runner) -> list[str]:
    """Command lines of the live processes in the runner's session."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rfind(")") + 2 :].split()
            if int(fields[3]) != runner.process.pid or fields[0] == "Z":
                continue
            found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (OSError, ValueError, IndexError):
            continue
    return found


def _moderator_headers(runner: Runner, sim: LiveKitSimulator, room: dict[str, str]) -> dict:
    secret = room["moderatorUrl"].split("secret=")[1]
    token = requests.post(
        runner.url("/internal-api/v1/participants/token"),
        json={"roomId": room["roomId"], "secret": secret, "participantName": "Mod"},
        timeout=10,
    )
    assert token.status_code == HTTPStatus.OK, token.text
    sim.add_participant(room["roomId"], "Mod", name="Mod")
    return {
        "X-Participant-Token": f"Bearer {token.json()['token']}",
        "X-Participant-Role": "moderator",
    }


def test_waiting_recording_starts_do_not_block_other_requests(tmp_path: Path) -> None:
    sim = LiveKitSimulator(
        "devkey",
        "secret",
        storage=NullStorage(),
        egress_active_delay=EGRESS_ACTIVE_AFTER_SECONDS,
    )
    sim.start()
    env = runner_env(
        tmp_path,
        MEET_LOCAL_STORAGE_DIR=str(tmp_path / "storage"),
        MEET_INITIAL_API_KEY=API["X-API-KEY"],
        LIVEKIT_URL=sim.ws_url,
        LIVEKIT_API_KEY="devkey",
        LIVEKIT_API_SECRET="secret",
    )
    try:
        with running(env, tmp_path) as runner:
            wait_until_healthy(runner)
            sim.set_webhook_url(runner.url("/livekit/webhook"))
            rooms = [
                requests.post(
                    runner.url("/api/v1/rooms"), json={"roomName": f"Wait {i}"}, headers=API
                ).json()
                for i in range(WAITING_STARTS)
            ]
            headers = [_moderator_headers(runner, sim, room) for room in rooms]

            def start(index: int) -> tuple[int, float]:
                started = time.monotonic()
                response = requests.post(
                    runner.url("/internal-api/v1/recordings"),
                    json={"roomId": rooms[index]["roomId"]},
                    headers=headers[index],
                    timeout=40,
                )
                return response.status_code, time.monotonic() - started

            with ThreadPoolExecutor(WAITING_STARTS) as pool:
                waiting = [pool.submit(start, index) for index in range(WAITING_STARTS)]
                time.sleep(0.5)  # every start is now waiting for its egress
                assert not any(future.done() for future in waiting)
                slowest = 0.0
                for _ in range(20):
                    began = time.monotonic()
                    response = requests.get(
                        runner.url(f"/api/v1/rooms/{rooms[0]['roomId']}"), headers=API, timeout=10
                    )
                    slowest = max(slowest, time.monotonic() - began)
                    assert response.status_code == HTTPStatus.OK
                still_waiting = sum(1 for future in waiting if not future.done())
                results = [future.result() for future in waiting]
            assert still_waiting == WAITING_STARTS, "the starts should still have been waiting"
            assert slowest < 1.0, f"a request took {slowest:.2f} s while starts were waiting"
            assert [status for status, _ in results] == [HTTPStatus.CREATED] * WAITING_STARTS
            assert all(elapsed >= EGRESS_ACTIVE_AFTER_SECONDS - 0.5 for _, elapsed in results)
            stop_and_assert_nothing_left(runner)
    finally:
        sim.stop()


def test_default_model_is_one_web_process_with_celery_inside(tmp_path: Path) -> None:
    receiver = WebhookReceiver()
    hook_url = receiver.start()
    env = runner_env(
        tmp_path,
        MEET_LOCAL_STORAGE_DIR=str(tmp_path / "storage"),
        MEET_INITIAL_API_KEY=API["X-API-KEY"],
        MEET_INITIAL_WEBHOOK_ENABLED="true",
        MEET_INITIAL_WEBHOOK_URL=hook_url,
    )
    try:
        with running(env, tmp_path) as runner:
            wait_until_healthy(runner)
            commands = _processes_of(runner)
            assert not [command for command in commands if " celery " in f" {command} "], commands
            assert "Celery worker and beat run as its threads" in runner.output()
            # A meeting starts (the simulator's room_started webhook): the meetingStarted
            # webhook is a Celery task, delivered by the worker inside the web process.
            room = requests.post(
                runner.url("/api/v1/rooms"), json={"roomName": "Inside"}, headers=API
            ).json()
            secret = room["moderatorUrl"].split("secret=")[1]
            token = requests.post(
                runner.url("/internal-api/v1/participants/token"),
                json={"roomId": room["roomId"], "secret": secret, "participantName": "Mod"},
                timeout=10,
            )
            assert token.status_code == HTTPStatus.OK, token.text
            eventually(
                lambda: any(
                    item.json().get("event") == "meetingStarted" for item in receiver.received
                ),
                timeout=20,
            )
            stop_and_assert_nothing_left(runner)
    finally:
        receiver.stop()


def test_scaled_out_roles_run_as_processes_of_their_own(tmp_path: Path) -> None:
    env = runner_env(
        tmp_path, MEET_LOCAL_STORAGE_DIR=str(tmp_path / "storage"), MEET_WEB_WORKERS="2"
    )
    with running(env, tmp_path) as runner:
        wait_until_healthy(runner)

        def roles() -> bool:
            commands = " | ".join(_processes_of(runner))
            return "celery -A meet worker" in commands and "celery -A meet beat" in commands

        eventually(roles, timeout=20)
        assert "Celery worker and beat run as its threads" not in runner.output()
        stop_and_assert_nothing_left(runner)


def _manage(*arguments: str, run_file: Path) -> subprocess.CompletedProcess[str]:
    """``manage.py`` as from a second shell: none of the runner's variables, only the file."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(_NOT_INHERITED)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["MEET_RUN_FILE"] = str(run_file)
    env["MEET_CONFIG_DIR"] = str(run_file.parent / "empty.env")
    return subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *arguments],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_manage_py_in_a_second_shell_finds_what_make_run_started(tmp_path: Path) -> None:
    run_file = tmp_path / "run.env"
    env = runner_env(
        tmp_path, MEET_LOCAL_STORAGE_DIR=str(tmp_path / "storage"), MEET_RUN_FILE=str(run_file)
    )
    with running(env, tmp_path) as runner:
        wait_until_healthy(runner)
        assert run_file.is_file()
        checked = _manage("check_services", run_file=run_file)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        lines = checked.stdout.splitlines()
        assert [line.split()[:2] for line in lines] == [
            ["storage", "OK"],
            ["redis", "OK"],
            ["livekit", "OK"],
        ], checked.stdout
        from dotenv import dotenv_values

        recorded = dotenv_values(run_file)
        assert recorded["MEET_LOCAL_STORAGE_DIR"] == str(tmp_path / "storage")
        assert "local" in lines[0]
        if "MEET_REDIS_PORT" in recorded:  # a private Redis (none answers on the default)
            assert f"127.0.0.1:{recorded['MEET_REDIS_PORT']}/0" in lines[1]
        livekit_port = str(recorded["LIVEKIT_URL"]).rsplit(":", 1)[1]
        assert f"http://127.0.0.1:{livekit_port}" in lines[2]
        collected = _manage("collect_recording_locks", "--dry-run", run_file=run_file)
        assert collected.returncode == 0, collected.stdout + collected.stderr
        stop_and_assert_nothing_left(runner)
    assert not run_file.exists()
    # Without a running instance the file is gone and nothing points at its private Redis.
    after = _manage("check_services", run_file=run_file)
    assert after.returncode != 0
