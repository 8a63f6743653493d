"""Which gunicorn worker model serves the hot routes best on this machine.

Starts gunicorn with each candidate configuration against the benchmark environment and drives
two hot routes with concurrent keep-alive clients for a few seconds each:
``GET /internal-api/v1/config/security`` (a cached read) and
``POST /internal-api/v1/participants/token`` (the hottest route). Prints requests/s.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from bench.environment import ROOT

CANDIDATES = {
    "gthread 2 workers x 16 threads (default)": ["-k", "gthread", "-w", "2", "--threads", "16"],
    "gthread 4 workers x 4 threads": ["-k", "gthread", "-w", "4", "--threads", "4"],
    "sync 4 workers": ["-k", "sync", "-w", "4"],
}


def _free_port() -> int:
    from tests.services import free_port

    return free_port()


def _drive(
    port: int, method: str, path: str, body: dict[str, Any] | None, seconds: float, clients: int
) -> float:
    count = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    payload = json.dumps(body).encode() if body is not None else None

    def client() -> None:
        nonlocal count
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        done = 0
        while time.monotonic() < deadline:
            headers = {"Content-Type": "application/json"} if payload else {}
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status >= 400:
                raise RuntimeError(f"{path} answered {response.status}")
            done += 1
        with lock:
            count += done

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return count / (time.monotonic() - started)


def run(quick: bool = False) -> list[str]:
    from rooms.services import RoomOptions, create_room

    room = create_room(options=RoomOptions(room_name="Bench"))
    token_body = {"roomId": room.room_id, "secret": room.speaker_secret}
    seconds = 2.0 if quick else 5.0
    lines = []
    env = dict(os.environ)
    for name, arguments in CANDIDATES.items():
        port = _free_port()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "meet.wsgi:application",
                "-b",
                f"127.0.0.1:{port}",
                "--no-control-socket",
                *arguments,
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    connection.request("GET", "/health")
                    if connection.getresponse().status == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn ({name}) did not start")
                time.sleep(0.1)
            _drive(port, "GET", "/internal-api/v1/config/security", None, 0.5, 4)  # warm-up
            reads = _drive(port, "GET", "/internal-api/v1/config/security", None, seconds, 16)
            tokens = _drive(
                port, "POST", "/internal-api/v1/participants/token", token_body, seconds, 16
            )
            lines.append(
                f"server: {name:42} config read {reads:7.0f} req/s, token {tokens:7.0f} req/s"
            )
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
    return lines
