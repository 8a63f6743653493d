"""The Docker image: its file set (resolved from the Dockerfile and .dockerignore, without Docker)
boots — ``manage.py check``, then the entrypoint in S3 mode against moto answers ``/health`` and
an authenticated API call — and, where a Docker engine answers, the real image builds."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path

import pytest
import requests

from tests import settings as test_settings
from tests.deploy.image_files import (
    copied_files,
    final_value,
    ignored,
    instructions,
    read_dockerignore,
)
from tests.services import free_port

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = (REPO / "Dockerfile").read_text()
START_TIMEOUT_SECONDS = 60


@pytest.fixture(scope="module")
def image_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The image's filesystem as far as the Dockerfile's copies make it, in a temp dir."""
    root = tmp_path_factory.mktemp("image")
    for image_path, context_path in copied_files(REPO).items():
        target = root / image_path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / context_path, target)
    return root


@pytest.fixture(scope="module")
def app_dir(image_root: Path) -> Path:
    workdir = final_value(DOCKERFILE, "WORKDIR")
    assert workdir is not None
    return image_root / workdir.lstrip("/")


def clean_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    """No variable of the test session; the virtualenv's python first on PATH (the image's
    ``python`` has the same requirements); an empty dotenv file."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("MEET_", "LIVEKIT_", "DJANGO_", "SERVER_", "PYTEST_", "NODE_ENV"))
        and name not in ("PYTHONPATH", "MODULES_FILE")
    }
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["NODE_ENV"] = "production"  # as the Dockerfile's ENV
    env.update(variables)
    return env


# --- The file set --------------------------------------------------------------------------------


def test_the_image_has_every_app_and_nothing_of_the_working_copy(app_dir: Path) -> None:
    for package in ("meet", "accounts", "rooms", "recordings", "webhooks", "console"):
        assert (app_dir / package / "__init__.py").is_file(), package
    assert (app_dir / "manage.py").is_file()
    assert (app_dir / "templates" / "console" / "base.html").is_file()
    assert (app_dir / "console" / "static" / "console" / "console.css").is_file()
    assert (app_dir / "tests" / "livekit_sim" / "__main__.py").is_file()  # DEMO mode
    assert (app_dir / "requirements.txt").is_file()
    for absent in (".git", ".venv", "var", "docs", "bench", "tests/meet", "tests/conftest.py"):
        assert not (app_dir / absent).exists(), absent
    assert not list(app_dir.rglob("__pycache__"))
    assert not list(app_dir.rglob(".env"))


def test_the_image_runs_as_an_unprivileged_user() -> None:
    user = final_value(DOCKERFILE, "USER")
    assert user not in (None, "root", "0", "0:0")
    runs = " ".join(i.arguments for i in instructions(DOCKERFILE) if i.keyword == "RUN")
    assert "useradd --system --uid 10001 --no-create-home --home-dir /app" in runs
    assert f"chown {user} /app/var" in runs


def test_dockerignore_follows_the_builder_rules() -> None:
    patterns = read_dockerignore(
        "tests\n!tests/livekit_sim\ntests/livekit_sim/README.md\n**/*.pyc\n"
    )
    assert ignored("tests/meet/test_http.py", patterns)
    assert not ignored("tests/livekit_sim/server.py", patterns)
    assert ignored("tests/livekit_sim/README.md", patterns)
    assert ignored("meet/__pycache__/x.pyc", patterns)
    assert ignored("x.pyc", patterns)
    assert not ignored("meet/settings.py", patterns)
    assert ignored("var/storage/a.json", read_dockerignore("/var/\n"))


def test_the_entrypoint_refuses_to_start_without_livekit(app_dir: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(app_dir / "docker" / "entrypoint.sh"), "web"],
        cwd=app_dir,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert result.stderr == (
        "ERROR: missing required environment variable(s): LIVEKIT_URL LIVEKIT_API_KEY "
        "LIVEKIT_API_SECRET\n       (or set MEET_CONFIG_DIR to the path of a dotenv file)\n"
    )


def test_the_entrypoint_runs_other_commands_as_given(app_dir: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(app_dir / "docker" / "entrypoint.sh"), "python", "manage.py", "help"],
        cwd=app_dir,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "check_services" in result.stdout


# --- Booting the file set ------------------------------------------------------------------------


def test_manage_py_check_passes_in_the_image(app_dir: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=app_dir,
        env=clean_env(tmp_path, LIVEKIT_API_SECRET="a-long-enough-secret-for-the-checks-0123"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "System check identified no issues (0 silenced).\n"


@contextlib.contextmanager
def entrypoint(
    app_dir: Path, env: dict[str, str], log: Path, *args: str
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(app_dir / "docker" / "entrypoint.sh"), *args],
            cwd=app_dir,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_the_image_boots_in_s3_mode_and_serves_the_api(
    app_dir: Path, moto_endpoint: str, tmp_path: Path
) -> None:
    port = free_port()
    bucket = f"image-{uuid.uuid4().hex[:12]}"
    env = clean_env(
        tmp_path,
        SERVER_PORT=str(port),
        MEET_S3_SERVICE_ENDPOINT=moto_endpoint,
        MEET_S3_BUCKET=bucket,
        MEET_S3_ACCESS_KEY="testing",
        MEET_S3_SECRET_KEY="testing",
        MEET_REDIS_HOST=test_settings.REDIS_HOST,
        MEET_REDIS_PORT=str(test_settings.REDIS_PORT),
        MEET_REDIS_PASSWORD="",
        MEET_REDIS_DB="15",
        LIVEKIT_URL=f"ws://127.0.0.1:{free_port()}",
        LIVEKIT_API_KEY="image-key",
        LIVEKIT_API_SECRET="image-secret-of-at-least-32-bytes-0123",
        MEET_INITIAL_API_KEY="image-api-key",
        MEET_WEB_WORKERS="1",
        MEET_WEB_THREADS="4",
    )
    log = tmp_path / "entrypoint.log"
    base = f"http://127.0.0.1:{port}"
    with entrypoint(app_dir, env, log, "web") as process:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"the entrypoint exited with {process.returncode}:\n{log.read_text()}")
            try:
                health = requests.get(f"{base}/health", timeout=2)
                break
            except (requests.ConnectionError, requests.Timeout):
                if time.monotonic() > deadline:
                    pytest.fail(f"/health did not answer:\n{log.read_text()}")
                time.sleep(0.2)
        assert health.status_code == HTTPStatus.OK
        assert health.text == "OK"

        key = {"X-API-KEY": "image-api-key"}
        created = requests.post(
            f"{base}/api/v1/rooms", json={"roomName": "Image"}, headers=key, timeout=10
        )
        assert created.status_code == HTTPStatus.CREATED, created.text
        listed = requests.get(f"{base}/api/v1/rooms", headers=key, timeout=10)
        assert listed.status_code == HTTPStatus.OK
        assert [room["roomName"] for room in listed.json()["rooms"]] == ["Image"]
        assert (
            requests.get(f"{base}/api/v1/rooms", timeout=10).status_code == HTTPStatus.UNAUTHORIZED
        )

        redoc = requests.get(
            f"{base}/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js", timeout=10
        )
        assert redoc.status_code == HTTPStatus.OK
        assert redoc.headers["Content-Type"].startswith("text/javascript")
        console = requests.get(f"{base}/console/login/", timeout=10)
        assert console.status_code == HTTPStatus.OK

    output = log.read_text()
    assert "starting roles: web" in output  # the argument became MEET_RUN_ROLES
    assert "DEMO mode" not in output
    assert "Traceback" not in output


# --- The real image ------------------------------------------------------------------------------


def docker_engine_problem() -> str | None:
    docker = shutil.which("docker")
    if docker is None:
        return "no docker command on this machine"
    try:
        result = subprocess.run([docker, "info"], capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        return "`docker info` did not answer within 20 s"
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return f"no Docker engine answers (`docker info`: {reason})"
    return None


def test_the_real_image_builds_and_runs_as_non_root(tmp_path: Path) -> None:
    problem = docker_engine_problem()
    if problem is not None:
        pytest.skip(f"real image build skipped: {problem}; the file-set tests above ran instead")
    tag = f"openvidu-meet-django-test:{uuid.uuid4().hex[:8]}"
    build = subprocess.run(
        ["docker", "build", "-t", tag, str(REPO)], capture_output=True, text=True, timeout=1200
    )
    assert build.returncode == 0, build.stderr[-4000:]
    try:
        uid = subprocess.run(
            ["docker", "run", "--rm", tag, "id", "-u"], capture_output=True, text=True, timeout=120
        )
        assert uid.returncode == 0, uid.stderr
        assert uid.stdout.strip() != "0"
        check = subprocess.run(
            ["docker", "run", "--rm", tag, "python", "manage.py", "check"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert check.returncode == 0, check.stderr
    finally:
        subprocess.run(["docker", "image", "rm", "-f", tag], capture_output=True, timeout=120)
