"""A whole instance started the way the README's run command starts it (``bin/run``), in its
own session, plus what the bench needs around it: a moto S3 server in its own process, the
processes of the instance and their memory.

Nothing here imports Django: the bench process stays a client, like ``wrk``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "bench-api-key"
START_TIMEOUT_SECONDS = 90
# Variables of the calling shell that would change what the runner decides.
_NOT_INHERITED = ("MEET_", "LIVEKIT_", "DJANGO_", "SERVER_", "NODE_ENV", "MODULES_FILE")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_http(url: str, deadline: float, process: subprocess.Popen[bytes] | None = None) -> None:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return
        except OSError:
            pass
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer in time")
        time.sleep(0.2)


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """moto's S3 server in a process of its own (the issue's setup: S3 on loopback)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_http(f"{endpoint}/moto-api/", time.monotonic() + 30, process)
        yield endpoint
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


@dataclass
class ProcessMemory:
    pid: int
    name: str
    rss_kib: int
    pss_kib: int


@dataclass
class Instance:
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    storage: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def processes(self) -> list[ProcessMemory]:
        """Every live process of the instance's session (the runner and all it started)."""
        found = []
        for entry in Path("/proc").glob("[0-9]*"):
            try:
                stat = (entry / "stat").read_text()
                fields = stat[stat.rfind(")") + 2 :].split()
                if int(fields[3]) != self.process.pid:  # session id
                    continue
                status = (entry / "status").read_text()
                rollup = (entry / "smaps_rollup").read_text()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, ValueError, IndexError):
                continue
            if fields[0] == "Z":
                continue
            found.append(
                ProcessMemory(
                    pid=int(entry.name),
                    name=_short_name(command.strip()),
                    rss_kib=_field_kib(status, "VmRSS"),
                    pss_kib=_field_kib(rollup, "Pss"),
                )
            )
        return sorted(found, key=lambda item: item.pid)


def _field_kib(text: str, name: str) -> int:
    for line in text.splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1])
    return 0


def _short_name(command: str) -> str:
    words = command.split()
    if not words:
        return "?"
    for marker in ("gunicorn", "granian", "celery", "livekit_sim", "redis-server", "bin/run"):
        if marker in command:
            index = next((i for i, word in enumerate(words) if marker in word), 0)
            return " ".join(words[index : index + 3])[:48]
    return " ".join(words[:3])[:48]


@contextlib.contextmanager
def run_instance(
    *, s3_endpoint: str | None = None, extra: dict[str, str] | None = None
) -> Iterator[Instance]:
    """``bin/run`` with its defaults: local storage in a temporary directory, or S3 on
    ``s3_endpoint``; Redis and LiveKit as the runner decides (private Redis, demo simulator)."""
    workdir = Path(tempfile.mkdtemp(prefix="meet-bench-"))
    empty_env = workdir / "empty.env"
    empty_env.write_text("")
    env = {name: value for name, value in os.environ.items() if not name.startswith(_NOT_INHERITED)}
    port = free_port()
    env |= {
        "MEET_CONFIG_DIR": str(empty_env),
        "MEET_RUN_FILE": str(workdir / "run.env"),
        "SERVER_PORT": str(port),
        "MEET_INITIAL_API_KEY": API_KEY,
        "MEET_LOG_LEVEL": "warn",
    }
    storage: dict[str, str]
    if s3_endpoint:
        storage = {
            "MEET_BLOB_STORAGE_MODE": "s3",
            "MEET_S3_SERVICE_ENDPOINT": s3_endpoint,
            "MEET_S3_BUCKET": f"bench-{port}",
            "MEET_S3_ACCESS_KEY": "bench",
            "MEET_S3_SECRET_KEY": "bench",
        }
    else:
        storage = {"MEET_LOCAL_STORAGE_DIR": str(workdir / "storage")}
    env |= storage
    env |= extra or {}
    log = workdir / "run.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "bin" / "run")],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    instance = Instance(process, port, log, storage)
    try:
        _wait_http(instance.url("/health"), time.monotonic() + START_TIMEOUT_SECONDS, process)
        yield instance
    except RuntimeError as error:
        raise RuntimeError(f"{error}\n--- bin/run output ---\n{instance.output()}") from None
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def settle(instance: Instance, seconds: float = 30.0) -> None:
    """Wait until every role has finished starting: the process set and their memory stop
    changing for two seconds (Celery and the web workers import the app after /health
    answers)."""
    deadline = time.monotonic() + seconds
    previous: tuple[tuple[int, int], ...] = ()
    stable_since = time.monotonic()
    while time.monotonic() < deadline:
        current = tuple((item.pid, item.rss_kib // 1024) for item in instance.processes())
        if current != previous:
            previous, stable_since = current, time.monotonic()
        elif time.monotonic() - stable_since >= 2.0:
            return
        time.sleep(0.25)
