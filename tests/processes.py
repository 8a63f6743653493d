"""Real server processes for the tests that are about processes: gunicorn serving our app, and
the LiveKit simulator on its own.

Each runs in a new session (its own process group) so a test can freeze (SIGSTOP), kill or stop
the whole group, and teardown always SIGKILLs whatever is left.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.services import free_port

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Process:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_process(
    command: list[str], env: dict[str, str] | None, log: Path
) -> subprocess.Popen[bytes]:
    """``command`` in a new session (its own process group), output appended to ``log``."""
    with log.open("ab") as output:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGCONT)  # a frozen group cannot act on SIGTERM
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def wait_for_health(server: Process, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            raise AssertionError(f"the server exited:\n{server.output()}")
        try:
            if requests.get(f"{server.url}/health", timeout=2).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"the server did not start:\n{server.output()}")
        time.sleep(0.1)


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str], log: Path, *, threads: int = 16, port: int | None = None
) -> Iterator[Process]:
    """``meet.wsgi`` under gunicorn (one gthread worker), as ``bin/run`` serves it."""
    port = port or free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "meet.wsgi:application",
        "-b",
        f"127.0.0.1:{port}",
        "-k",
        "gthread",
        "--threads",
        str(threads),
        "--workers",
        "1",
        "--timeout",
        "120",
        "--no-control-socket",
    ]
    server = Process(start_process(command, env, log), port, log)
    try:
        wait_for_health(server)
        yield server
    finally:
        _stop(server.process)


def livekit_simulator_command(port: int, webhook_url: str | None = None) -> list[str]:
    """``python -m tests.livekit_sim`` recording into the storage the ``MEET_*`` variables name,
    with quick egress timings."""
    command = [
        sys.executable,
        "-m",
        "tests.livekit_sim",
        "--port",
        str(port),
        "--egress-active-delay",
        "0.05",
        "--egress-stop-delay",
        "0.05",
        "--log-level",
        "WARNING",
    ]
    if webhook_url:
        command += ["--webhook-url", webhook_url]
    return command


def simulator_answers(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/_sim/health", timeout=1).ok
    except requests.RequestException:
        return False
