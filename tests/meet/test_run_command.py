"""``bin/run`` end to end: it starts the whole server, and SIGTERM leaves no process behind.

Each test starts the runner in a new session (its own process group) and always SIGKILLs that
group at the end, so a failing test cannot leave servers running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

import boto3
import pytest
import requests
from redis import Redis

from tests.services import free_port, redis_answers, start_private_redis

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
RUNNER = REPO / "bin" / "run"
START_TIMEOUT_SECONDS = 45
STOP_TIMEOUT_SECONDS = 20
# Variables of the pytest process that would change what the runner decides.
_NOT_INHERITED = (
    "MEET_",
    "LIVEKIT_",
    "DJANGO_",
    "SERVER_",
    "NODE_ENV",
    "MODULES_FILE",
    "MODULE_NAME",
    "ENABLED_MODULES",
    "PYTEST_",
)


@dataclass
class Runner:
    process: subprocess.Popen[bytes]
    log: Path
    port: int

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def runner_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(_NOT_INHERITED)}
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.write_text("")
    # An empty dotenv file: a developer's .env in the repository must not change the test.
    env["MEET_CONFIG_DIR"] = str(empty_env_file)
    # Where the runner records what it started (var/run.env by default): the test's own, so
    # manage.py in other tests (or a developer's make run) never sees this runner.
    env["MEET_RUN_FILE"] = str(tmp_path / "run.env")
    env["SERVER_PORT"] = str(free_port())
    env.update(variables)
    return env


@contextlib.contextmanager
def running(env: dict[str, str], tmp_path: Path) -> Iterator[Runner]:
    log = tmp_path / "run.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, str(RUNNER)],
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield Runner(process, log, int(env["SERVER_PORT"]))
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def wait_until_healthy(runner: Runner) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if runner.process.poll() is not None:
            pytest.fail(f"bin/run exited with {runner.process.returncode}:\n{runner.output()}")
        try:
            response = requests.get(runner.url("/health"), timeout=2)
        except (requests.ConnectionError, requests.Timeout):  # workers still booting
            time.sleep(0.2)
            continue
        assert response.status_code == HTTPStatus.OK
        assert response.text == "OK"
        return
    pytest.fail(f"/health did not answer within {START_TIMEOUT_SECONDS} s:\n{runner.output()}")


def stop_and_assert_nothing_left(runner: Runner) -> None:
    group = runner.process.pid  # a new session: the runner leads its process group
    os.killpg(group, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    try:
        exit_code = runner.process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"bin/run did not exit after SIGTERM:\n{runner.output()}")
    assert exit_code == 0, runner.output()
    while True:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"processes of group {group} survived SIGTERM:\n{runner.output()}")
        time.sleep(0.1)


@pytest.fixture
def password_redis() -> Iterator[tuple[int, str]]:
    password = "runner-redis-pass"
    port, process = start_private_redis(password=password)
    yield port, password
    process.terminate()
    process.wait(timeout=10)


def test_run_starts_the_server_on_the_configured_s3_and_redis_and_stops_on_sigterm(
    moto_endpoint: str, password_redis: tuple[int, str], tmp_path: Path
) -> None:
    redis_port, redis_password = password_redis
    bucket = f"run-test-{uuid.uuid4().hex[:12]}"
    env = runner_env(
        tmp_path,
        MEET_BLOB_STORAGE_MODE="s3",
        MEET_S3_SERVICE_ENDPOINT=moto_endpoint,
        MEET_S3_BUCKET=bucket,
        MEET_S3_ACCESS_KEY="testing",
        MEET_S3_SECRET_KEY="testing",
        MEET_REDIS_HOST="127.0.0.1",
        MEET_REDIS_PORT=str(redis_port),
        MEET_REDIS_PASSWORD=redis_password,
        MEET_REDIS_DB="7",
        LIVEKIT_URL=f"ws://127.0.0.1:{free_port()}",
        MEET_INITIAL_API_KEY="meet-api-key",
        MEET_INITIAL_ADMIN_PASSWORD="s3cret-pass",
    )
    with running(env, tmp_path) as runner:
        wait_until_healthy(runner)

        login = requests.post(
            runner.url("/internal-api/v1/auth/login"),
            json={"username": "admin", "password": "s3cret-pass"},
            timeout=10,
        )
        assert login.status_code == HTTPStatus.OK, login.text
        profile = requests.get(
            runner.url("/internal-api/v1/users/profile"),
            headers={"Authorization": f"Bearer {login.json()['accessToken']}"},
            timeout=10,
        )
        assert profile.status_code == HTTPStatus.OK, profile.text

        s3 = boto3.client(
            "s3",
            endpoint_url=moto_endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        )
        listed = s3.list_objects_v2(Bucket=bucket)
        keys = {item["Key"] for item in listed.get("Contents", [])}
        assert {
            "openvidu-meet/global-config.json",
            "openvidu-meet/users/admin.json",
            "openvidu-meet/api_keys.json",
        } <= keys

        client = Redis(host="127.0.0.1", port=redis_port, password=redis_password, db=7)
        assert client.keys("ov_meet:*")
        client.close()
        output = runner.output()
        assert f"using the configured Redis at 127.0.0.1:{redis_port} db 7" in output
        assert "DEMO mode" not in output

        stop_and_assert_nothing_left(runner)


def test_run_without_configuration_uses_local_storage_and_a_private_redis(tmp_path: Path) -> None:
    storage = tmp_path / "storage"
    env = runner_env(tmp_path, MEET_LOCAL_STORAGE_DIR=str(storage))
    with running(env, tmp_path) as runner:
        wait_until_healthy(runner)

        assert (storage / "openvidu-appdata" / "openvidu-meet" / "global-config.json").is_file()
        output = runner.output()
        assert "storage: local directory" in output
        assert "DEMO mode" in output
        if redis_answers("127.0.0.1", 6379, "redispassword"):
            assert "using the default Redis at localhost:6379" in output
        else:
            assert "using a private redis-server at 127.0.0.1:" in output

        stop_and_assert_nothing_left(runner)
