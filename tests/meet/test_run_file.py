"""``meet.env.load_run_file``: what ``manage.py`` takes from a running ``bin/run``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from meet.env import load_run_file

RECORDED = {
    "MEET_BLOB_STORAGE_MODE": "local",
    "MEET_REDIS_HOST": "127.0.0.1",
    "MEET_REDIS_PORT": "41234",
    "LIVEKIT_URL": "ws://127.0.0.1:41235",
}


def _write(path: Path, pid: int) -> Path:
    lines = [f"MEET_RUN_PID={pid}", *(f"{name}='{value}'" for name, value in RECORDED.items())]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (*RECORDED, "MEET_RUN_PID"):
        # set, then delete: monkeypatch then restores whatever was there before, absence too,
        # undoing what load_run_file writes into os.environ.
        monkeypatch.setenv(name, "-")
        monkeypatch.delenv(name)
    return monkeypatch


def test_a_live_runners_file_fills_the_environment(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("MEET_RUN_FILE", str(_write(tmp_path / "run.env", os.getpid())))
    assert load_run_file(tmp_path) == tmp_path / "run.env"
    assert {name: os.environ[name] for name in RECORDED} == RECORDED
    assert "MEET_RUN_PID" not in os.environ


def test_a_file_of_a_runner_that_is_gone_is_ignored(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    clean_env.setenv("MEET_RUN_FILE", str(_write(tmp_path / "run.env", gone.pid)))
    assert load_run_file(tmp_path) is None
    assert not [name for name in RECORDED if name in os.environ]


def test_an_environment_that_configures_any_of_it_uses_none_of_it(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("MEET_RUN_FILE", str(_write(tmp_path / "run.env", os.getpid())))
    clean_env.setenv("MEET_REDIS_HOST", "redis.example.com")
    assert load_run_file(tmp_path) is None
    assert os.environ["MEET_REDIS_HOST"] == "redis.example.com"
    assert "LIVEKIT_URL" not in os.environ or os.environ["LIVEKIT_URL"] != RECORDED["LIVEKIT_URL"]
