"""Typed readers for the environment.

The only module (besides ``meet/settings.py``) that reads ``os.environ``. Every reader raises
``ImproperlyConfigured`` naming the variable when its value cannot be parsed, so a typo stops
start-up instead of silently falling back to a default.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"true"}
_FALSE = {"false"}


def load_env_file(base_dir: Path) -> Path | None:
    """Load the dotenv file the reference server would load; real env vars win.

    ``MEET_CONFIG_DIR`` is the path of a dotenv *file* (despite its name). Otherwise
    ``NODE_ENV=development`` selects ``.env.dev``, ``test``/``ci`` select ``.env.test``, and
    anything else ``.env`` in the working directory.
    """
    from dotenv import load_dotenv

    config_file = os.environ.get("MEET_CONFIG_DIR")
    if config_file:
        path = Path(config_file)
        if not path.is_file():
            raise ImproperlyConfigured(f"MEET_CONFIG_DIR: '{config_file}' is not a readable file")
    else:
        node_env = os.environ.get("NODE_ENV", "")
        name = {"development": ".env.dev", "test": ".env.test", "ci": ".env.test"}.get(
            node_env, ".env"
        )
        path = Path.cwd() / name
        if not path.is_file():
            return None
    load_dotenv(path, override=False)
    return path


def load_run_file(base_dir: Path) -> Path | None:
    """For ``manage.py`` in another shell: the addresses a running ``bin/run`` recorded.

    ``bin/run`` writes what it decided itself (local storage, its private Redis, the demo
    LiveKit simulator and its credentials, the port) to ``var/run.env`` (or ``MEET_RUN_FILE``)
    and removes it when it stops. It is used whole or not at all: only when neither the
    environment nor the dotenv file sets any of the variables it records (so a command aimed at
    other services never mixes in the runner's), and only while that runner lives.
    """
    from dotenv import dotenv_values

    path = Path(os.environ.get("MEET_RUN_FILE") or base_dir / "var" / "run.env")
    if not path.is_file():
        return None
    values = dotenv_values(path)
    pid = values.pop("MEET_RUN_PID", None) or ""
    if not pid.isdigit() or not _process_alive(int(pid)):
        return None
    recorded = {name: value for name, value in values.items() if value is not None}
    if any(name in os.environ for name in recorded):
        return None
    os.environ.update(recorded)
    return path


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_secret(name: str, default: str = "") -> str:
    """A secret, optionally read from the file named by ``{name}_FILE``."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as error:
            raise ImproperlyConfigured(
                f"{name}_FILE: cannot read '{file_name}': {error}"
            ) from error
    return os.environ.get(name, default)


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError as error:
        raise ImproperlyConfigured(f"{name}: expected an integer, got '{raw}'") from error
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}: must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name}: must be <= {maximum}, got {value}")
    return value


def env_float(
    name: str, default: float, *, minimum: float | None = None, maximum: float | None = None
) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw.strip())
    except ValueError as error:
        raise ImproperlyConfigured(f"{name}: expected a number, got '{raw}'") from error
    if value != value or value in (float("inf"), float("-inf")):
        raise ImproperlyConfigured(f"{name}: expected a finite number, got '{raw}'")
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}: must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name}: must be <= {maximum}, got {value}")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}: expected 'true' or 'false', got '{raw}'")


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name}: expected one of {', '.join(choices)}, got '{raw}'")
    return value


def env_list(name: str, default: tuple[str, ...] = ()) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name: str, default: str, *, schemes: tuple[str, ...]) -> str:
    raw = os.environ.get(name)
    value = default if raw is None or raw.strip() == "" else raw.strip()
    parsed = urlparse(value)
    if parsed.scheme not in schemes or not parsed.netloc:
        raise ImproperlyConfigured(
            f"{name}: expected an absolute URL with scheme {'/'.join(schemes)}, got '{value}'"
        )
    return value


def env_host_ports(name: str) -> list[tuple[str, int]]:
    """``host:port,host:port`` (Redis Sentinel list)."""
    result: list[tuple[str, int]] = []
    for item in env_list(name):
        parts = item.split(":")
        if len(parts) != 2 or not parts[0] or not parts[1].isdigit():
            raise ImproperlyConfigured(f"{name}: expected 'host:port' items, got '{item}'")
        result.append((parts[0], int(parts[1])))
    return result


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def env_networks(name: str, default: tuple[str, ...]) -> list[IPNetwork]:
    """A comma list of IP addresses or CIDR networks (``10.0.0.0/8,fd00::/8,192.0.2.1``)."""
    networks: list[IPNetwork] = []
    for item in env_list(name, default):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as error:
            raise ImproperlyConfigured(
                f"{name}: expected IP addresses or networks, got '{item}'"
            ) from error
    return networks
