"""The in-process copies of the API keys, the global config and rooms (``meet.local_cache``).

Across two server processes sharing one Redis and one bucket: a change made through one is
seen by the other at once, also after Redis went away and came back; while Redis is down the
other reads storage, never its own copy.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from redis import Redis

from meet import local_cache
from tests.services import eventually, free_port, meet_env, redis_answers, redis_server_binary

ROOT = Path(__file__).resolve().parents[2]
INVALID_KEY = {"error": "Authentication Error", "message": "Invalid API key"}
NO_KEYS = {
    "error": "Authentication Error",
    "message": "There are no API keys configured yet. Please, create one to access the API",
}


# --- In one process ---------------------------------------------------------------------------


def _subscribed() -> bool:
    local_cache.get("probe", lambda: None)  # starts the listener
    return local_cache.is_subscribed()


def test_a_copy_is_served_until_invalidated(settings: Any) -> None:
    eventually(_subscribed)
    loads: list[int] = []

    def load() -> tuple[int]:
        loads.append(1)
        return (len(loads),)

    assert local_cache.get("test:a", load) == (1,)
    assert local_cache.get("test:a", load) == (1,)
    local_cache.invalidate("test:a")
    assert local_cache.get("test:a", load) == (2,)


def test_a_load_that_raced_an_invalidation_is_not_kept(settings: Any) -> None:
    eventually(_subscribed)
    values = iter(["old", "new", "newer"])

    def load_while_someone_writes() -> str:
        value = next(values)
        if value == "old":
            local_cache.drop("test:race")  # the invalidation arrives while we read
        return value

    assert local_cache.get("test:race", load_while_someone_writes) == "old"
    assert local_cache.get("test:race", load_while_someone_writes) == "new"
    assert local_cache.get("test:race", load_while_someone_writes) == "new"


def test_many_keys_serve_their_copies_and_load_only_the_others(settings: Any) -> None:
    eventually(_subscribed)
    asked: list[list[str]] = []

    def load_many(keys: list[str]) -> list[str | None]:
        asked.append(keys)
        return [None if key == "test:many:gone" else f"{key}#{len(asked)}" for key in keys]

    keys = ["test:many:a", "test:many:gone", "test:many:b"]
    assert local_cache.get_many(keys, load_many) == ["test:many:a#1", None, "test:many:b#1"]
    assert local_cache.get_many(keys, load_many) == ["test:many:a#1", None, "test:many:b#1"]
    assert asked[1] == ["test:many:gone"]  # nothing is kept for a missing value
    local_cache.invalidate("test:many:b")
    assert local_cache.get_many(keys, load_many) == ["test:many:a#1", None, "test:many:b#3"]
    assert asked[2] == ["test:many:gone", "test:many:b"]


def test_many_keys_loaded_while_one_was_invalidated_keep_only_the_others(settings: Any) -> None:
    eventually(_subscribed)
    rounds = iter(["old", "new", "newer"])

    def load_while_someone_writes(keys: list[str]) -> list[str]:
        value = next(rounds)
        if value == "old":
            local_cache.drop("test:many-race:b")
        return [f"{key}={value}" for key in keys]

    keys = ["test:many-race:a", "test:many-race:b"]
    assert local_cache.get_many(keys, load_while_someone_writes) == [
        "test:many-race:a=old",
        "test:many-race:b=old",
    ]
    assert local_cache.get_many(keys, load_while_someone_writes) == [
        "test:many-race:a=old",
        "test:many-race:b=new",
    ]


def test_many_keys_with_a_ttl_of_zero_are_always_loaded(settings: Any) -> None:
    settings.LOCAL_CACHE_TTL_SECONDS = 0
    calls = iter(range(100))
    assert local_cache.get_many(["test:z"], lambda keys: [next(calls)]) == [0]
    assert local_cache.get_many(["test:z"], lambda keys: [next(calls)]) == [1]


def test_no_copy_outlives_its_ttl(settings: Any) -> None:
    settings.LOCAL_CACHE_TTL_SECONDS = 0.2
    eventually(_subscribed)
    counter = iter(range(100))
    first = local_cache.get("test:ttl", lambda: next(counter))
    assert local_cache.get("test:ttl", lambda: next(counter)) == first
    time.sleep(0.25)
    assert local_cache.get("test:ttl", lambda: next(counter)) == first + 1


def test_a_ttl_of_zero_turns_the_copies_off(settings: Any) -> None:
    settings.LOCAL_CACHE_TTL_SECONDS = 0
    counter = iter(range(100))
    assert [local_cache.get("test:off", lambda: next(counter)) for _ in range(3)] == [0, 1, 2]


def test_an_invalidation_event_on_the_channel_drops_the_copy(settings: Any) -> None:
    eventually(_subscribed)
    counter = iter(range(100))
    assert local_cache.get("test:remote", lambda: next(counter)) == 0
    from meet.redis_connection import redis

    redis().publish(
        settings.EVENTS_CHANNEL,
        '{"eventType":"cache_invalidated","payload":{"keys":["test:remote"]}}',
    )
    eventually(lambda: local_cache.get("test:remote", lambda: next(counter)) == 1, timeout=2)


# --- Across two server processes ---------------------------------------------------------------


@dataclass
class Cluster:
    urls: list[str]
    redis_port: int
    bucket: str
    moto_endpoint: str
    redis_dir: str
    redis_process: subprocess.Popen[bytes] | None = None

    def start_redis(self) -> None:
        command = [
            redis_server_binary(),
            "--port", str(self.redis_port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--dir", self.redis_dir,
        ]  # fmt: skip
        self.redis_process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        eventually(lambda: redis_answers("127.0.0.1", self.redis_port))

    def stop_redis(self) -> None:
        assert self.redis_process is not None
        self.redis_process.kill()
        self.redis_process.wait(timeout=10)
        self.redis_process = None

    def subscribers(self) -> int:
        client = Redis(host="127.0.0.1", port=self.redis_port)
        try:
            return int(dict(client.pubsub_numsub("ov_meet_channel"))[b"ov_meet_channel"])
        finally:
            client.close()

    def s3(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.moto_endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        )


@pytest.fixture
def cluster(moto_endpoint: str, tmp_path: Path) -> Iterator[Cluster]:
    """Two single-process servers over a Redis of their own (so the test can stop it)."""
    node = Cluster(
        urls=[],
        redis_port=free_port(),
        bucket=f"cache-{uuid.uuid4().hex[:12]}",
        moto_endpoint=moto_endpoint,
        redis_dir=tempfile.mkdtemp(prefix="meet-cache-redis-"),
    )
    node.start_redis()
    env = meet_env(moto_endpoint, MEET_INITIAL_API_KEY="first-key", MEET_LOG_LEVEL="error")
    env |= {
        "MEET_S3_BUCKET": node.bucket,
        "MEET_REDIS_PORT": str(node.redis_port),
        "MEET_REDIS_DB": "0",
    }
    subprocess.run(
        [sys.executable, "manage.py", "init_storage", "--create-bucket"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    processes = []
    try:
        for index in range(2):
            port = free_port()
            log = (tmp_path / f"server{index}.log").open("wb")
            command = [
                sys.executable, "-m", "gunicorn", "meet.wsgi:application",
                "-b", f"127.0.0.1:{port}", "-k", "gthread", "--threads", "4",
                "--workers", "1", "--no-control-socket",
            ]  # fmt: skip
            processes.append(
                subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
            node.urls.append(f"http://127.0.0.1:{port}")
        for url in node.urls:
            eventually(lambda url=url: _healthy(url), timeout=30)
        yield node
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=15)
        if node.redis_process is not None:
            node.stop_redis()


def _healthy(url: str) -> bool:
    try:
        return requests.get(f"{url}/health", timeout=5).status_code == HTTPStatus.OK
    except requests.RequestException:
        return False


def _room_list(url: str, key: str) -> requests.Response:
    return requests.get(f"{url}/api/v1/rooms", headers={"X-API-KEY": key}, timeout=10)


def _admin(url: str) -> dict[str, str]:
    login = requests.post(
        f"{url}/internal-api/v1/auth/login",
        json={"username": "admin", "password": "admin"},
        timeout=10,
    )
    assert login.status_code == HTTPStatus.OK, login.text
    return {"Authorization": f"Bearer {login.json()['accessToken']}"}


def _warm(url: str, key: str) -> None:
    """Several requests: each of the server's threads has read (and the process kept) it."""
    for _ in range(5):
        assert _room_list(url, key).status_code == HTTPStatus.OK


@pytest.mark.slow
def test_api_key_changes_apply_at_once_on_the_other_process(cluster: Cluster) -> None:
    first, second = cluster.urls
    _warm(first, "first-key")
    _warm(second, "first-key")  # the first use starts each process's listener
    eventually(lambda: cluster.subscribers() >= 2, timeout=15)
    _warm(second, "first-key")

    created = requests.post(f"{first}/internal-api/v1/auth/api-keys", headers=_admin(first))
    assert created.status_code == HTTPStatus.CREATED
    new_key = created.json()["key"]
    revoked = _room_list(second, "first-key")
    assert revoked.status_code == HTTPStatus.UNAUTHORIZED
    assert revoked.json() == INVALID_KEY
    assert _room_list(second, new_key).status_code == HTTPStatus.OK
    _warm(second, new_key)

    deleted = requests.delete(f"{first}/internal-api/v1/auth/api-keys", headers=_admin(first))
    assert deleted.status_code == HTTPStatus.OK
    gone = _room_list(second, new_key)
    assert gone.status_code == HTTPStatus.UNAUTHORIZED
    assert gone.json() == NO_KEYS


@pytest.mark.slow
def test_global_config_changes_apply_at_once_on_the_other_process(cluster: Cluster) -> None:
    first, second = cluster.urls
    _warm(first, "first-key")
    _warm(second, "first-key")
    eventually(lambda: cluster.subscribers() >= 2, timeout=15)
    security = f"{second}/internal-api/v1/config/security"
    before = requests.get(security, timeout=10).json()
    assert before["authentication"]["authModeToAccessRoom"] == "none"
    changed = {"authentication": {**before["authentication"], "authModeToAccessRoom": "all_users"}}
    response = requests.put(
        f"{first}/internal-api/v1/config/security", json=changed, headers=_admin(first)
    )
    assert response.status_code == HTTPStatus.OK, response.text
    assert requests.get(security, timeout=10).json() == changed

    webhooks = {"enabled": True, "url": "https://example.com/hook"}
    response = requests.put(
        f"{second}/internal-api/v1/config/webhooks", json=webhooks, headers=_admin(second)
    )
    assert response.status_code == HTTPStatus.OK, response.text
    read = requests.get(f"{first}/internal-api/v1/config/webhooks", headers=_admin(first))
    assert read.json() == webhooks


@pytest.mark.slow
def test_while_redis_is_down_storage_is_read_and_after_it_is_back_invalidation_works(
    cluster: Cluster,
) -> None:
    first, second = cluster.urls
    _warm(first, "first-key")
    _warm(second, "first-key")  # the first use starts each process's listener
    eventually(lambda: cluster.subscribers() >= 2, timeout=15)
    _warm(second, "first-key")

    cluster.stop_redis()
    # Another instance (or an operator) replaces the key in storage while Redis is away. The
    # server must answer from storage, not from the copy it held a moment ago.
    cluster.s3().put_object(
        Bucket=cluster.bucket,
        Key="openvidu-meet/api_keys.json",
        Body=b'[{"key":"storage-key","creationDate":1760000000000}]',
    )
    # The process notices the lost subscription within milliseconds (a busy machine may let one
    # request through first) and then reads storage: well before the copy's 5 s TTL ends.
    started = time.monotonic()
    answers: list[requests.Response] = []

    def refused() -> bool:
        answers.append(_room_list(second, "first-key"))
        return answers[-1].status_code != HTTPStatus.OK

    eventually(refused, timeout=2)
    rejected = answers[-1]
    assert time.monotonic() - started < 2
    assert rejected.status_code == HTTPStatus.UNAUTHORIZED, rejected.text
    assert rejected.json() == INVALID_KEY
    for _ in range(5):
        assert _room_list(second, "storage-key").status_code == HTTPStatus.OK
        assert _room_list(second, "first-key").status_code == HTTPStatus.UNAUTHORIZED

    cluster.start_redis()
    eventually(lambda: cluster.subscribers() >= 2, timeout=15)
    _warm(second, "storage-key")
    created = requests.post(f"{first}/internal-api/v1/auth/api-keys", headers=_admin(first))
    assert created.status_code == HTTPStatus.CREATED
    revoked = _room_list(second, "storage-key")
    assert revoked.status_code == HTTPStatus.UNAUTHORIZED
    assert revoked.json() == INVALID_KEY
    assert _room_list(second, created.json()["key"]).status_code == HTTPStatus.OK


@pytest.mark.slow
def test_room_changes_apply_at_once_on_the_other_process(cluster: Cluster) -> None:
    first, second = cluster.urls
    api = {"X-API-KEY": "first-key"}
    _warm(first, "first-key")
    _warm(second, "first-key")
    eventually(lambda: cluster.subscribers() >= 2, timeout=15)
    room = requests.post(f"{first}/api/v1/rooms", json={"roomName": "Cached"}, headers=api).json()
    room_id = room["roomId"]
    secret = room["speakerUrl"].split("secret=")[1]
    detail = f"{second}/api/v1/rooms/{room_id}"
    token = f"{second}/internal-api/v1/participants/token"

    def listed() -> dict[str, Any]:
        rooms = _room_list(second, "first-key").json()["rooms"]
        return {item["roomId"]: item for item in rooms}

    for _ in range(5):  # the second process now holds the room
        assert requests.get(detail, headers=api).json()["config"]["chat"] == {"enabled": True}
        assert requests.post(token, json={"roomId": room_id, "secret": secret}).status_code == 200
        assert listed()[room_id]["config"]["chat"] == {"enabled": True}

    config = {
        "recording": {"enabled": False},
        "chat": {"enabled": False},
        "virtualBackground": {"enabled": False},
    }
    changed = requests.put(
        f"{first}/api/v1/rooms/{room_id}/config", json={"config": config}, headers=api
    )
    assert changed.status_code == HTTPStatus.OK, changed.text
    assert requests.get(detail, headers=api).json()["config"] == config
    assert listed()[room_id]["config"] == config

    deleted = requests.delete(f"{first}/api/v1/rooms/{room_id}", headers=api)
    assert deleted.status_code == HTTPStatus.OK, deleted.text
    gone = requests.get(detail, headers=api)
    assert gone.status_code == HTTPStatus.NOT_FOUND
    assert room_id not in listed()
    assert gone.json() == {"error": "Room Error", "message": f"Room '{room_id}' does not exist"}
    refused = requests.post(token, json={"roomId": room_id, "secret": secret})
    assert refused.status_code == HTTPStatus.NOT_FOUND
    assert refused.json() == {
        "error": "Room Error",
        "message": f"Room '{room_id}' does not exist",
    }
