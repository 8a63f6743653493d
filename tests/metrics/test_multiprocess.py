"""Multiprocess: several processes count, one scrape sees them all (PROMETHEUS_MULTIPROC_DIR)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from django.test import Client

from meet.metrics import process_identifier
from tests.meet.test_run_command import (
    _NOT_INHERITED,
    REPO,
    runner_env,
    running,
    stop_and_assert_nothing_left,
)
from tests.metrics.helpers import scrape, value
from tests.services import eventually

START_SECONDS = 150  # four processes start on a machine others share: more than bin/run's 45 s


def _wait_until_healthy(runner: Any) -> None:
    def healthy() -> bool:
        assert runner.process.poll() is None, runner.output()
        try:
            return requests.get(runner.url("/health"), timeout=2).status_code == 200
        except requests.RequestException:
            return False

    eventually(healthy, timeout=START_SECONDS)


# One process's events, as the web workers' middleware and the worker's webhook task record
# them. Run with the production settings module and metrics on.
_WRITER = """
import sys
import django
django.setup()
from meet import metrics
for _ in range(int(sys.argv[1])):
    metrics.observe_request("GET", "/api/v1/rooms", 200, 0.002)
metrics.webhook_attempt(ok=True, seconds=0.05)
metrics.collector_run("reconciliation", "completed", 0.5)
print(metrics.multiprocess_dir())
"""


def _write(directory: Path, requests_count: int) -> str:
    env = {name: value for name, value in os.environ.items() if not name.startswith(_NOT_INHERITED)}
    env.update(
        DJANGO_SETTINGS_MODULE="meet.settings",
        MEET_CONFIG_DIR=str(directory.parent / "empty.env"),
        MEET_RUN_FILE=str(directory.parent / "no-run.env"),
        MEET_METRICS_ENABLED="true",
        PROMETHEUS_MULTIPROC_DIR=str(directory),
        PYTHONPATH=str(REPO),
    )
    (directory.parent / "empty.env").write_text("")
    result = subprocess.run(
        [sys.executable, "-c", _WRITER, str(requests_count)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_two_processes_write_one_scrape_sees_both(
    metrics_on: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    directory = tmp_path / "metrics"
    directory.mkdir()
    assert _write(directory, 3) == str(directory)
    assert _write(directory, 2) == str(directory)
    files = sorted(path.name for path in directory.glob("counter_*.db"))
    assert len(files) == 2, files  # one file per process, named by host and pid
    assert all(
        name.startswith(f"counter_{process_identifier().rsplit('-', 1)[0]}-") for name in files
    )
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    settings.MEET_METRICS_INVENTORY_SECONDS = 3600
    text = scrape(Client())
    labels = {"method": "GET", "route": "/api/v1/rooms", "status": "200"}
    assert value(text, "meet_http_requests_total", **labels) == 5
    assert (
        value(text, "meet_http_request_duration_seconds_count", method="GET", route="/api/v1/rooms")
        == 5
    )
    assert value(text, "meet_webhook_deliveries_total", outcome="delivered") == 2
    assert value(text, "meet_collector_runs_total", collector="reconciliation") == 2
    assert value(text, "meet_collector_last_run_timestamp_seconds", collector="reconciliation") > 0


@pytest.mark.slow
def test_bin_run_with_two_web_workers_counts_every_request(tmp_path: Path) -> None:
    directory = tmp_path / "metrics"
    directory.mkdir()
    stale = directory / f"counter_{process_identifier().rsplit('-', 1)[0]}-999999.db"
    stale.write_bytes(b"stale from the last run")
    env = runner_env(
        tmp_path,
        MEET_LOCAL_STORAGE_DIR=str(tmp_path / "storage"),
        MEET_WEB_WORKERS="2",
        MEET_WEB_THREADS="4",
        MEET_METRICS_ENABLED="true",
        MEET_METRICS_INVENTORY_SECONDS="0",
        PROMETHEUS_MULTIPROC_DIR=str(directory),
    )
    with running(env, tmp_path) as runner:
        _wait_until_healthy(runner)
        assert not stale.exists()  # this host's files are cleared at start

        # Unauthenticated room listings: a route nothing else calls (bin/run polls /health).
        def refused_total() -> float:
            text = requests.get(runner.url("/metrics"), timeout=10).text
            return value(text, "meet_http_requests_total", route="/api/v1/rooms", status="401")

        start = refused_total()
        sent = 40
        for _ in range(sent):  # a new connection each: granian spreads them over its workers
            assert requests.get(runner.url("/api/v1/rooms"), timeout=5).status_code == 401
        # Every scrape, whichever worker answers it, sees every worker's requests.
        for _ in range(6):
            assert refused_total() == start + sent
        # Both granian workers answered some of those requests, each into its own file.
        host = process_identifier().rsplit("-", 1)[0]
        workers = re.findall(r"Spawning worker-\d+ with PID: (\d+)", runner.output())
        assert len(workers) == 2, runner.output()
        for pid in workers:
            assert (directory / f"counter_{host}-{pid}.db").exists(), sorted(directory.iterdir())
        text = requests.get(runner.url("/metrics"), timeout=10).text
        assert value(text, "meet_rooms") == 0
        assert value(text, "meet_inventory_timestamp_seconds") > 0
        eventually(lambda: "metrics: GET /metrics" in runner.output(), timeout=5)
        stop_and_assert_nothing_left(runner)
