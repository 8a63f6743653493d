"""Outgoing webhooks survive a worker restart between attempts (real Celery worker)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from meet.notifications import emit
from tests.services import meet_env
from tests.webhook_receiver import WebhookReceiver, verify_signature
from webhooks import services
from webhooks.domain import DeliveryStatus

ROOT = Path(__file__).resolve().parents[2]


def worker_env(moto_endpoint: str) -> dict[str, str]:
    return meet_env(moto_endpoint, MEET_LOG_LEVEL="info")


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "meet",
            "worker",
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def meeting_started_record() -> Any:
    records = [r for r in services.recent_deliveries(100) if r.event == "meetingStarted"]
    assert len(records) <= 1
    return records[0] if records else None


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(statuses=[500, 500, 200])
    receiver.url = receiver.start()  # type: ignore[attr-defined]
    yield receiver
    receiver.stop()


@pytest.mark.slow
def test_webhook_is_retried_after_a_500_and_survives_a_worker_restart(
    admin_client: APIClient,
    api_key: str,
    receiver: WebhookReceiver,
    moto_endpoint: str,
    tmp_path: Path,
) -> None:
    url = receiver.url  # type: ignore[attr-defined]
    admin_client.put(
        "/internal-api/v1/config/webhooks", {"enabled": True, "url": url}, format="json"
    )
    env = worker_env(moto_endpoint)
    log = tmp_path / "worker.log"
    workers: list[subprocess.Popen[bytes]] = []
    try:
        workers.append(start_worker(env, log))
        emit("meetingStarted", {"roomId": "room-1", "status": "active_meeting"})
        receiver.wait_for(1, timeout=30)
        workers[0].send_signal(signal.SIGTERM)  # warm shutdown while the retry is pending
        workers[0].wait(timeout=30)
        seen_before_restart = len(receiver.received)
        assert seen_before_restart < 3

        workers.append(start_worker(env, log))
        receiver.wait_for(3, timeout=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            record = meeting_started_record()
            if record is not None and record.status == DeliveryStatus.DELIVERED:
                break
            time.sleep(0.1)
    finally:
        for worker in workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
    record = meeting_started_record()
    assert record.status == DeliveryStatus.DELIVERED, log.read_text()[-3000:]
    assert record.attempts == 3
    assert record.event == "meetingStarted"
    bodies = {request.body for request in receiver.received}
    assert len(bodies) == 1  # every attempt sends the same signed event
    for request in receiver.received:
        assert verify_signature(request, api_key)
    assert receiver.received[0].json()["data"] == {"roomId": "room-1", "status": "active_meeting"}
