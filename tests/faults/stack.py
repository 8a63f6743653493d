"""A whole deployment in processes of its own, for outage tests: a private Redis, a private moto
S3 server, the LiveKit simulator and our app under gunicorn, each in its own process group so
a test can freeze (SIGSTOP), resume or kill (SIGKILL) one and restart it on the same port.

"Restart" keeps what the real service would keep: Redis runs with an fsync'd append-only file,
and moto records every request (``MOTO_ENABLE_RECORDING``) and replays them after a restart, the
way an S3 server comes back with its disk. The LiveKit simulator comes back empty, as LiveKit
does.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import requests

from tests.processes import (
    ROOT,
    Process,
    gunicorn,
    livekit_simulator_command,
    simulator_answers,
    start_process,
)
from tests.services import free_port, redis_answers, redis_server_binary

API_KEY = "faults-api-key"
BUCKET = "faults"
PREFIX = "openvidu-meet"


def _wait(check: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not come up")
        time.sleep(0.05)


def _kill(process: Any) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


@dataclass
class Service:
    """A dependency process that can be frozen, resumed, killed and started again."""

    name: str
    port: int
    start: Callable[[], Any]
    ready: Callable[[], bool]
    after_restart: Callable[[], None] = lambda: None
    process: Any = None

    def run(self) -> None:
        self.process = self.start()
        _wait(self.ready, self.name)

    def freeze(self) -> None:
        os.killpg(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.killpg(self.process.pid, signal.SIGCONT)

    def kill(self) -> None:
        _kill(self.process)

    def restart(self) -> None:
        self.run()
        self.after_restart()

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGCONT)
            _kill(self.process)


@dataclass
class Stack:
    directory: Path
    redis: Service
    s3: Service
    livekit: Service
    server: Process | None = None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def s3_client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{self.s3.port}",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        )

    def stored_room_ids(self) -> set[str]:
        keys: set[str] = set()
        paginator = self.s3_client().get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=BUCKET, Prefix=f"{PREFIX}/rooms/"):
            keys.update(item["Key"].split("/")[2] for item in page.get("Contents", []))
        return keys


def _redis_service(directory: Path) -> Service:
    port = free_port()
    data = directory / "redis"
    data.mkdir()
    command = [
        redis_server_binary(),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--dir",
        str(data),
    ]
    return Service(
        "redis",
        port,
        start=lambda: start_process(command, None, directory / "redis.log"),
        ready=lambda: redis_answers("127.0.0.1", port),
    )


def _s3_service(directory: Path) -> Service:
    port = free_port()
    recording = directory / "moto-recording.jsonl"
    env = {
        **os.environ,
        "MOTO_ENABLE_RECORDING": "true",
        "MOTO_RECORDER_FILEPATH": str(recording),
    }
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        try:
            return requests.get(f"{url}/moto-api/", timeout=1).status_code < 500
        except requests.RequestException:
            return False

    def replay() -> None:
        # The restarted server has no state: replay what the old one was sent (its "disk"),
        # then keep recording on top of it.
        saved = recording.read_text()
        requests.post(f"{url}/moto-api/recorder/stop-recording", timeout=10)
        requests.post(f"{url}/moto-api/recorder/upload-recording", data=saved, timeout=30)
        requests.post(f"{url}/moto-api/recorder/replay-recording", timeout=120)
        requests.post(f"{url}/moto-api/recorder/start-recording", timeout=10)

    return Service(
        "s3",
        port,
        start=lambda: start_process(command, env, directory / "moto.log"),
        ready=ready,
        after_restart=replay,
    )


def _livekit_service(directory: Path, port: int, env: dict[str, str], webhook_url: str) -> Service:
    command = livekit_simulator_command(port, webhook_url)
    return Service(
        "livekit",
        port,
        start=lambda: start_process(command, env, directory / "livekit.log"),
        ready=lambda: simulator_answers(port),
    )


def server_env(stack: Stack, **extra: str) -> dict[str, str]:
    from tests.services import meet_env

    env = meet_env(f"http://127.0.0.1:{stack.s3.port}")
    env.update(
        MEET_S3_BUCKET=BUCKET,
        MEET_REDIS_HOST="127.0.0.1",
        MEET_REDIS_PORT=str(stack.redis.port),
        MEET_REDIS_DB="0",
        LIVEKIT_URL=f"ws://127.0.0.1:{stack.livekit.port}",
        LIVEKIT_API_KEY="devkey",
        LIVEKIT_API_SECRET="secret",
        MEET_INITIAL_API_KEY=API_KEY,
        MEET_LOG_LEVEL="warn",
        NODE_ENV="production",
        **extra,
    )
    return env


@contextlib.contextmanager
def running_stack(directory: Path, **server_variables: str) -> Iterator[Stack]:
    server_port = free_port()
    redis = _redis_service(directory)
    s3 = _s3_service(directory)
    livekit_port = free_port()
    stack = Stack(directory, redis, s3, Service("livekit", livekit_port, lambda: None, bool))
    try:
        redis.run()
        s3.run()
        stack.env = server_env(stack, **server_variables)
        stack.livekit = _livekit_service(
            directory, livekit_port, stack.env, f"http://127.0.0.1:{server_port}/livekit/webhook"
        )
        stack.livekit.run()
        subprocess.run(
            [sys.executable, "manage.py", "init_storage", "--create-bucket"],
            cwd=ROOT,
            env=stack.env,
            check=True,
            capture_output=True,
            timeout=60,
        )
        with gunicorn(stack.env, directory / "server.log", port=server_port) as server:
            stack.server = server
            yield stack
    finally:
        for service in (stack.livekit, s3, redis):
            service.stop()


# --- Traffic and measurements -----------------------------------------------------------------


@dataclass
class Outcome:
    started: float  # monotonic
    seconds: float
    status: int | None  # None: no answer at all (transport error)
    body: Any


def call(method: str, url: str, **kwargs: Any) -> Outcome:
    started = time.monotonic()
    try:
        response = requests.request(method, url, timeout=60, **kwargs)
    except requests.RequestException as error:
        return Outcome(started, time.monotonic() - started, None, str(error))
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return Outcome(started, time.monotonic() - started, response.status_code, body)


class Writer:
    """Creates rooms in a loop and remembers every room the server acknowledged (201)."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.acknowledged: list[str] = []
        self.outcomes: list[Outcome] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        index = 0
        while not self._stop.is_set():
            index += 1
            outcome = call(
                "POST",
                f"{self.stack.url}/api/v1/rooms",
                json={"roomName": f"w{index}"},
                headers={"X-API-KEY": API_KEY},
            )
            self.outcomes.append(outcome)
            if outcome.status == 201:
                self.acknowledged.append(outcome.body["roomId"])
            time.sleep(0.2)  # steady traffic that leaves the CPU to the rest of the suite

    def __enter__(self) -> Writer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=120)
