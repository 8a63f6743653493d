"""The console's scoped API keys page in a real headless Chromium: create a key (its secret
shown once), use it against the API, see its last use, revoke it with confirmation."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import requests

from accounts import services as accounts_services
from tests.console.conftest import sign_in

Shoot = Callable[[Any, str], None]


def test_scoped_keys_are_created_shown_once_used_and_revoked(
    page: Any, shoot: Shoot, initialized: None, meet_server: str
) -> None:
    accounts_services.create_api_key()  # the reference key is listed first
    sign_in(page)
    page.get_by_role("link", name="Scoped keys").click()
    page.get_by_role("heading", name="Scoped API keys").wait_for()

    # Bad input: no scope chosen.
    page.get_by_label("Name").fill("nightly export")
    page.get_by_role("button", name="Create key").click()
    page.get_by_text("At least one scope is required").wait_for()

    page.get_by_label("Name").fill("nightly export")
    page.get_by_label("recordings:read (list, read, download recordings)").check()
    page.get_by_label("rooms:read (list and read rooms)").check()
    page.get_by_label("Expires after (days)").fill("30")
    page.get_by_role("button", name="Create key").click()
    secret = page.get_by_label("New API key").input_value()
    assert secret.startswith("ovmk_")
    stored = accounts_services.list_named_api_keys()
    assert [(key.name, key.scopes) for key in stored] == [
        ("nightly export", ("rooms:read", "recordings:read"))
    ]
    assert stored[0].secret_hash == accounts_services.hash_secret(secret)
    shoot(page, "20-scoped-keys-created")

    # The key works for its scopes only.
    headers = {"X-API-KEY": secret}
    assert requests.get(f"{meet_server}/api/v1/rooms", headers=headers, timeout=10).ok
    denied = requests.post(f"{meet_server}/api/v1/rooms", json={}, headers=headers, timeout=10)
    assert denied.status_code == HTTPStatus.FORBIDDEN

    page.reload()
    assert page.get_by_label("New API key").count() == 0  # shown once
    table = page.get_by_test_id("named-keys")
    rows = table.locator("tbody tr")
    assert rows.count() == 2
    assert "reference" in rows.nth(0).inner_text()
    row = rows.nth(1)
    assert "nightly export" in row.inner_text()
    assert "rooms:read, recordings:read" in row.inner_text()
    assert f"ovmk_…{secret[-4:]}" in row.inner_text()
    assert "never" not in row.locator("[data-label='Last used']").inner_text()
    assert secret not in page.content()
    shoot(page, "21-scoped-keys-list")

    row.get_by_role("button", name="Revoke").click()  # the confirm() is accepted
    page.get_by_text("API key “nightly export” revoked.").wait_for()
    assert accounts_services.list_named_api_keys() == []
    refused = requests.get(f"{meet_server}/api/v1/rooms", headers=headers, timeout=10)
    assert refused.status_code == HTTPStatus.UNAUTHORIZED
    assert page.get_by_test_id("named-keys").locator("tbody tr").count() == 1
    shoot(page, "22-scoped-keys-revoked")
