"""docker-compose.yml: a complete, consistent stack. ``docker compose config`` resolves it where
the Compose plugin exists; otherwise the file is parsed and interpolated here as Compose does.
Either way every service must have an image or a build, our services the environment that
reaches the Redis, MinIO and LiveKit of the stack, and LiveKit a webhook to our receiver."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml

from tests.deploy.image_files import final_value

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
OURS = {"web": "web", "worker": "worker", "beat": "beat"}  # service -> MEET_RUN_ROLES
_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's variable interpolation over a parsed file (strings, keys and values)."""
    if isinstance(value, dict):
        return {interpolate(k, env): interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        if match.group("escaped"):
            return "$"
        name = match.group("braced") or match.group("named")
        op, arg = match.group("op"), match.group("arg") or ""
        present = name in env
        current = env.get(name, "")
        if op in (":-", "-"):
            use_default = not current if op == ":-" else not present
            return interpolate(arg, env) if use_default else current
        if op in (":?", "?"):
            if (not current) if op == ":?" else (not present):
                raise ValueError(f"required variable {name} is missing: {arg}")
            return current
        if op in (":+", "+"):
            return interpolate(arg, env) if (current if op == ":+" else present) else ""
        return current

    return _VARIABLE.sub(substitute, value)


def resolve_with_docker(env: dict[str, str]) -> dict[str, Any] | None:
    docker = shutil.which("docker")
    if docker is None:
        return None
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, timeout=30)
    if probe.returncode != 0:
        return None
    result = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE_FILE), "config", "--format", "json"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **env},
        timeout=60,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def resolve(env: dict[str, str]) -> dict[str, Any]:
    resolved = resolve_with_docker(env)
    if resolved is not None:
        return resolved
    parsed = yaml.safe_load(COMPOSE_FILE.read_text())  # anchors and `<<` merges included
    return dict(interpolate(parsed, env))


def environment(service: dict[str, Any]) -> dict[str, str]:
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {str(k): "" if v is None else str(v) for k, v in raw.items()}


def depends_on(service: dict[str, Any]) -> set[str]:
    raw = service.get("depends_on") or {}
    return set(raw if isinstance(raw, list) else raw.keys())


def livekit_config(stack: dict[str, Any]) -> dict[str, Any]:
    return dict(yaml.safe_load(environment(stack["services"]["livekit"])["LIVEKIT_CONFIG"]))


def egress_config(stack: dict[str, Any]) -> dict[str, Any]:
    return dict(yaml.safe_load(environment(stack["services"]["egress"])["EGRESS_CONFIG_BODY"]))


CUSTOM = {
    "LIVEKIT_API_KEY": "prod-key",
    "LIVEKIT_API_SECRET": "a-production-secret-of-32-chars-or-more",
    "MEET_REDIS_PASSWORD": "r3dis",
    "MINIO_ROOT_USER": "meet",
    "MINIO_ROOT_PASSWORD": "m1nio-password",
    "MEET_S3_BUCKET": "meetings",
    "LIVEKIT_URL": "wss://livekit.example.com",
}


@pytest.fixture(params=["defaults", "custom"])
def stack(request: pytest.FixtureRequest) -> dict[str, Any]:
    return resolve({} if request.param == "defaults" else CUSTOM)


def test_the_stack_has_every_part(stack: dict[str, Any]) -> None:
    services = stack["services"]
    assert set(services) == {"web", "worker", "beat", "redis", "minio", "livekit", "egress"}
    for name, service in services.items():
        assert service.get("image") or service.get("build"), f"{name}: no image and no build"
        for dependency in depends_on(service):
            assert dependency in services, f"{name} depends on an unknown {dependency}"
        for key, value in environment(service).items():
            assert "${" not in value, f"{name}.{key} is not interpolated: {value}"
    assert services["livekit"]["image"].startswith("livekit/livekit-server:")
    assert "--dev" in services["livekit"]["command"]
    assert services["egress"]["image"].startswith("livekit/egress:")
    assert services["minio"]["image"].startswith("minio/minio")
    assert services["redis"]["image"].startswith("redis:")


def test_our_services_run_one_role_each_from_this_image(stack: dict[str, Any]) -> None:
    services = stack["services"]
    for name, role in OURS.items():
        service = services[name]
        build = service["build"]
        context = build if isinstance(build, str) else build["context"]
        assert Path(REPO, context).resolve() == REPO
        assert service["image"] == services["web"]["image"]
        assert environment(service)["MEET_RUN_ROLES"] == role
    # web answers on the port the image serves; worker and beat start once web initialised storage
    exposed = final_value((REPO / "Dockerfile").read_text(), "EXPOSE")
    ports = services["web"]["ports"]
    targets = [str(p["target"]) if isinstance(p, dict) else str(p).split(":")[-1] for p in ports]
    assert targets == [exposed] == ["6080"]
    assert {"web", "redis", "minio"} <= depends_on(services["worker"])
    assert {"web", "redis", "minio"} <= depends_on(services["beat"])


def test_our_services_reach_redis_and_minio_of_the_stack(stack: dict[str, Any]) -> None:
    services = stack["services"]
    redis_command = services["redis"]["command"]
    redis_password = redis_command[redis_command.index("--requirepass") + 1]
    minio = environment(services["minio"])
    for name in OURS:
        env = environment(services[name])
        assert env["MEET_BLOB_STORAGE_MODE"] == "s3"
        assert urlparse(env["MEET_S3_SERVICE_ENDPOINT"]).hostname == "minio"
        assert env["MEET_S3_ACCESS_KEY"] == minio["MINIO_ROOT_USER"]
        assert env["MEET_S3_SECRET_KEY"] == minio["MINIO_ROOT_PASSWORD"]
        assert env["MEET_REDIS_HOST"] == "redis"
        assert env["MEET_REDIS_PORT"] == "6379"
        assert env["MEET_REDIS_PASSWORD"] == redis_password
    assert redis_password == CUSTOM["MEET_REDIS_PASSWORD"] or redis_password == "redispassword"


def test_livekit_sends_its_webhooks_to_our_receiver_with_our_credentials(
    stack: dict[str, Any],
) -> None:
    services = stack["services"]
    config = livekit_config(stack)
    assert config["webhook"]["urls"] == ["http://web:6080/livekit/webhook"]
    web_env = environment(services["web"])
    key, secret = web_env["LIVEKIT_API_KEY"], web_env["LIVEKIT_API_SECRET"]
    assert config["webhook"]["api_key"] == key
    assert config["keys"] == {key: secret}
    for name in OURS:
        env = environment(services[name])
        assert (env["LIVEKIT_API_KEY"], env["LIVEKIT_API_SECRET"]) == (key, secret)
        assert urlparse(env["LIVEKIT_URL_PRIVATE"]).hostname == "livekit"
        assert urlparse(env["LIVEKIT_URL_PRIVATE"]).port == config["port"]
    assert config["redis"] == {
        "address": "redis:6379",
        "password": web_env["MEET_REDIS_PASSWORD"],
    }
    published = {str(port).split(":")[-1] for port in services["livekit"]["ports"]} | {
        str(p.get("target")) for p in services["livekit"]["ports"] if isinstance(p, dict)
    }
    assert str(config["port"]) in published


def test_egress_records_into_the_bucket_our_server_reads(stack: dict[str, Any]) -> None:
    web_env = environment(stack["services"]["web"])
    config = egress_config(stack)
    assert (config["api_key"], config["api_secret"]) == (
        web_env["LIVEKIT_API_KEY"],
        web_env["LIVEKIT_API_SECRET"],
    )
    assert urlparse(config["ws_url"]).hostname == "livekit"
    assert config["redis"] == livekit_config(stack)["redis"]
    s3 = config["s3"]
    assert s3["bucket"] == web_env["MEET_S3_BUCKET"]
    assert s3["endpoint"] == web_env["MEET_S3_SERVICE_ENDPOINT"]
    assert (s3["access_key"], s3["secret"]) == (
        web_env["MEET_S3_ACCESS_KEY"],
        web_env["MEET_S3_SECRET_KEY"],
    )
    assert s3["force_path_style"] is True


def test_custom_values_reach_every_service() -> None:
    stack = resolve(CUSTOM)
    web_env = environment(stack["services"]["web"])
    assert web_env["LIVEKIT_URL"] == "wss://livekit.example.com"
    assert web_env["LIVEKIT_API_KEY"] == "prod-key"
    assert livekit_config(stack)["keys"] == {"prod-key": CUSTOM["LIVEKIT_API_SECRET"]}
    assert egress_config(stack)["s3"]["bucket"] == "meetings"


def test_interpolation_follows_compose() -> None:
    env = {"SET": "x", "EMPTY": ""}
    assert (
        interpolate("${SET:-d} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d} $$SET $SET", env)
        == "x d  d $SET x"
    )
    assert interpolate({"${SET}": ["${UNSET:+y}${SET:+y}"]}, env) == {"x": ["y"]}
    with pytest.raises(ValueError, match="UNSET"):
        interpolate("${UNSET:?needed}", env)
