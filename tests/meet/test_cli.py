"""``manage.py``: only commands that can work here, and one plain warning for a short secret."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from meet.checks import livekit_secret_length

REPO = Path(__file__).resolve().parents[2]


def manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    empty = tmp_path / "empty.env"
    empty.write_text("")
    variables = {k: v for k, v in os.environ.items() if not k.startswith(("MEET_", "LIVEKIT_"))}
    variables.update(DJANGO_SETTINGS_MODULE="meet.settings", MEET_CONFIG_DIR=str(empty), **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=variables,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_help_lists_no_database_command(tmp_path: Path) -> None:
    result = manage(tmp_path, "help")
    assert result.returncode == 0, result.stderr
    listed = {line.strip() for line in result.stdout.splitlines() if line.startswith("    ")}
    assert {"check_services", "init_storage", "reset_password", "check", "shell"} <= listed
    assert not listed & {"migrate", "makemigrations", "dbshell", "flush", "loaddata", "test"}


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        ("migrate", "this server keeps its data in object storage and Redis: there is no database"),
        (
            "showmigrations",
            "this server keeps its data in object storage and Redis: there is no database",
        ),
        ("collectstatic", "static files are served in place by WhiteNoise: nothing to collect"),
        ("test", "the tests run with pytest: `make test`"),
    ],
)
def test_unavailable_commands_are_refused_in_one_line(
    tmp_path: Path, command: str, reason: str
) -> None:
    result = manage(tmp_path, command)
    assert result.returncode == 1
    assert result.stderr == f"manage.py {command}: not available: {reason}.\n"
    assert result.stdout == ""


def test_a_short_livekit_secret_is_one_plain_warning(settings: Any) -> None:
    settings.MEET_DEMO_MODE = False
    settings.LIVEKIT_API_SECRET = "secret"
    [warning] = livekit_secret_length()
    assert warning.id == "meet.W001"
    assert warning.msg.startswith("LIVEKIT_API_SECRET is 6 bytes long")
    settings.LIVEKIT_API_SECRET = "x" * 32
    assert livekit_secret_length() == []


def test_no_secret_warning_in_demo_mode(settings: Any) -> None:
    settings.MEET_DEMO_MODE = True
    settings.LIVEKIT_API_SECRET = "secret"
    assert livekit_secret_length() == []


def test_pyjwt_short_key_warnings_are_replaced_by_the_check(tmp_path: Path) -> None:
    script = (
        "import django; django.setup()\n"
        "from livekit import api\n"
        "for _ in range(3): api.AccessToken('devkey', 'secret').with_identity('a').to_jwt()\n"
        "from django.core.management import call_command\n"
        "call_command('check')\n"
    )
    empty = tmp_path / "empty.env"
    empty.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEET_", "LIVEKIT_"))}
    env.update(DJANGO_SETTINGS_MODULE="meet.settings", MEET_CONFIG_DIR=str(empty))
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = result.stdout + result.stderr
    assert "InsecureKeyLengthWarning" not in output
    assert output.count("meet.W001") == 1
    demo = manage(tmp_path, "check", MEET_DEMO_MODE="true")
    assert demo.returncode == 0
    assert "meet.W001" not in demo.stdout + demo.stderr
