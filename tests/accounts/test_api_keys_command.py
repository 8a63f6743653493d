"""``manage.py api_keys list|create|revoke``."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from accounts import services


def _run(*args: str) -> str:
    out = StringIO()
    call_command("api_keys", *args, stdout=out)
    return out.getvalue()


def test_create_prints_the_key_once_and_it_works(api_key: str, store: Any) -> None:
    output = _run("create", "cron", "--scope", "rooms:read", "--expires-in-days", "2")
    key = output.strip().splitlines()[-1]
    assert key.startswith("ovmk_")
    assert key not in str(store.get_json("named-api-keys.json"))
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=key)
    assert client.get("/api/v1/rooms").status_code == 200
    assert client.get("/api/v1/recordings").status_code == 403

    listed = _run("list").splitlines()
    assert listed[0].startswith("reference\treference\t*")
    (stored,) = services.list_named_api_keys()
    assert listed[1].startswith(f"{stored.key_id}\tcron\trooms:read\texpires={stored.expires_at}")
    assert key not in "\n".join(listed)

    assert _run("revoke", stored.key_id).strip() == "API key 'cron' revoked"
    assert client.get("/api/v1/rooms").status_code == 401


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("create", "x"), "scopes: At least one scope is required"),
        (("create", "x", "--scope", "root"), "Invalid enum value"),
        (("create", "x", "--scope", "keys", "--expires-in-days", "0"), "positive number"),
        (("revoke", "nope"), "API key 'nope' not found"),
    ],
)
def test_bad_input_is_a_command_error(
    initialized: None, args: tuple[str, ...], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        _run(*args)
