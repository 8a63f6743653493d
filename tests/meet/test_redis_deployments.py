"""The Redis deployments of the reference, end to end: settings read from the environment.

Each test starts real ``redis-server`` processes (a password-protected server on another port,
or a master behind a password-protected Sentinel) and runs ``manage.py`` in subprocesses with
only the ``MEET_*`` variables an operator would set, so ``meet/settings.py`` is what is tested.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as redis_py
from redis.sentinel import Sentinel

from tests.services import free_port, redis_server_binary, start_private_redis

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
MASTER_PASSWORD = "master-pw"
SENTINEL_PASSWORD = "sentinel-pw"


def _env(storage_dir: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEET_", "LIVEKIT_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="meet.settings",
        MEET_BLOB_STORAGE_MODE="local",
        MEET_LOCAL_STORAGE_DIR=storage_dir,
        LIVEKIT_URL=f"ws://127.0.0.1:{free_port()}",
        **extra,
    )
    return env


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def _lines(output: str) -> dict[str, str]:
    """``check_services`` output by service name: ``{"redis": "OK   127.0.0.1:.../5 (3 ms)"}``."""
    result = {}
    for line in output.splitlines():
        name, _, rest = line.partition(" ")
        result[name] = rest.strip()
    return result


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def tmp_dir() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="meet-redis-deploy-") as directory:
        yield directory


# --- Standalone Redis: password, another port, a non-zero DB --------------------------------


def test_password_protected_redis_on_another_port_and_db(tmp_dir: str) -> None:
    port, server = start_private_redis(password=MASTER_PASSWORD, directory=tmp_dir)
    try:
        env = _env(
            str(Path(tmp_dir) / "storage"),
            MEET_REDIS_HOST="127.0.0.1",
            MEET_REDIS_PORT=str(port),
            MEET_REDIS_PASSWORD=MASTER_PASSWORD,
            MEET_REDIS_DB="5",
        )
        init = _manage(env, "init_storage")
        assert init.returncode == 0, init.stderr
        assert "storage: initialized" in init.stdout

        check = _manage(env, "check_services")
        lines = _lines(check.stdout)
        assert lines["storage"].startswith("OK"), check.stdout
        assert lines["redis"].startswith(f"OK   127.0.0.1:{port}/5 "), check.stdout
        assert lines["livekit"].startswith("FAIL")  # nothing listens there: only that fails
        assert check.returncode != 0
        assert "1 service(s) unreachable" in check.stderr

        client = redis_py.Redis(port=port, password=MASTER_PASSWORD, db=5)
        keys = {key.decode() for key in client.keys("ov_meet:*")}
        assert {"ov_meet:global_config", "ov_meet:user:admin"} <= keys
        assert redis_py.Redis(port=port, password=MASTER_PASSWORD, db=0).dbsize() == 0

        wrong = _manage(env | {"MEET_REDIS_PASSWORD": "not-the-password"}, "check_services")
        lines = _lines(wrong.stdout)
        assert lines["storage"].startswith("OK"), wrong.stdout
        assert lines["redis"].startswith("FAIL"), wrong.stdout
        assert "2 service(s) unreachable" in wrong.stderr
    finally:
        _stop(server)


# --- Redis Sentinel --------------------------------------------------------------------------


def _start_sentinel(tmp_dir: str, master_port: int) -> tuple[int, subprocess.Popen[bytes]]:
    port = free_port()
    config = Path(tmp_dir) / "sentinel.conf"  # Sentinel rewrites its config: must be writable
    config.write_text(
        textwrap.dedent(
            f"""\
            port {port}
            bind 127.0.0.1
            dir {tmp_dir}
            sentinel monitor openvidu 127.0.0.1 {master_port} 1
            sentinel auth-pass openvidu {MASTER_PASSWORD}
            sentinel down-after-milliseconds openvidu 5000
            requirepass {SENTINEL_PASSWORD}
            """
        )
    )
    process = subprocess.Popen(
        [redis_server_binary(), str(config), "--sentinel"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    sentinel = Sentinel(
        [("127.0.0.1", port)],
        sentinel_kwargs={"password": SENTINEL_PASSWORD},
        socket_timeout=0.5,
    )
    deadline = time.monotonic() + 15
    while True:  # until the Sentinel has seen the master and reports it healthy
        try:
            if sentinel.discover_master("openvidu") == ("127.0.0.1", master_port):
                return port, process
        except (redis_py.RedisError, OSError):
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            _stop(process)
            raise RuntimeError("the Sentinel did not report the master in time")
        time.sleep(0.1)


def test_sentinel_deployment_cache_and_celery_broker(tmp_dir: str) -> None:
    # --masterauth as a replica set would have it; the master needs it only after a failover.
    master_port, master = start_private_redis(password=MASTER_PASSWORD, directory=tmp_dir)
    sentinel = None
    try:
        master_client = redis_py.Redis(port=master_port, password=MASTER_PASSWORD)
        master_client.config_set("masterauth", MASTER_PASSWORD)
        sentinel_port, sentinel = _start_sentinel(tmp_dir, master_port)
        env = _env(
            str(Path(tmp_dir) / "storage"),
            # Deliberately wrong: in Sentinel mode the host/port must not be used.
            MEET_REDIS_HOST="127.0.0.1",
            MEET_REDIS_PORT=str(free_port()),
            MEET_REDIS_PASSWORD=MASTER_PASSWORD,
            MEET_REDIS_DB="3",
            MEET_REDIS_SENTINEL_HOST_LIST=f"127.0.0.1:{sentinel_port}",
            MEET_REDIS_SENTINEL_PASSWORD=SENTINEL_PASSWORD,
        )
        init = _manage(env, "init_storage")
        assert init.returncode == 0, init.stderr
        assert "storage: initialized" in init.stdout

        check = _manage(env, "check_services")
        lines = _lines(check.stdout)
        assert lines["storage"].startswith("OK"), check.stdout
        assert lines["redis"].startswith("OK"), check.stdout
        assert lines["livekit"].startswith("FAIL")

        master_db3 = redis_py.Redis(port=master_port, password=MASTER_PASSWORD, db=3)
        keys = {key.decode() for key in master_db3.keys("ov_meet:*")}
        assert {"ov_meet:global_config", "ov_meet:user:admin"} <= keys

        # The Sentinel is really asked (with its own password): a wrong one fails the check, and
        # fast (the short retry applies to the Sentinel connections too, not ~12 s of backoff).
        started = time.monotonic()
        wrong = _manage(env | {"MEET_REDIS_SENTINEL_PASSWORD": "wrong"}, "check_services")
        assert time.monotonic() - started < 8
        assert _lines(wrong.stdout)["redis"].startswith("FAIL"), wrong.stdout

        # The Celery broker goes through the Sentinel too: a task sent lands in the master's DB 3.
        send = subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup()\n"
                "from meet.celery import app\n"
                "app.send_task('webhooks.send_webhook', args=['x', {}, 1])\n",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert send.returncode == 0, send.stderr
        assert master_db3.llen("celery") == 1
        message = master_db3.lindex("celery", 0)
        assert message is not None and b"webhooks.send_webhook" in message
    finally:
        if sentinel is not None:
            _stop(sentinel)
        _stop(master)


# --- Invalid Sentinel configuration stops start-up -------------------------------------------


@pytest.mark.parametrize(
    ("extra", "variable"),
    [
        (
            {
                "MEET_REDIS_SENTINEL_HOST_LIST": "hostonly",
                "MEET_REDIS_SENTINEL_PASSWORD": SENTINEL_PASSWORD,
            },
            "MEET_REDIS_SENTINEL_HOST_LIST",
        ),
        (
            {"MEET_REDIS_SENTINEL_HOST_LIST": "127.0.0.1:26379"},
            "MEET_REDIS_SENTINEL_PASSWORD",
        ),
    ],
    ids=["host-without-port", "missing-sentinel-password"],
)
def test_invalid_sentinel_configuration_stops_startup(
    tmp_dir: str, extra: dict[str, str], variable: str
) -> None:
    result = _manage(_env(tmp_dir, **extra), "check")
    assert result.returncode != 0
    assert variable in result.stderr
    assert "ImproperlyConfigured" in result.stderr
