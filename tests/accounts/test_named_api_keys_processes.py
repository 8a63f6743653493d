"""Named keys across two server processes sharing one Redis and one bucket: a key created
through one works on the other at once, and a key revoked through one is refused by the other
at once (the in-process copies are dropped through the events channel)."""

from __future__ import annotations

from http import HTTPStatus

import pytest
import requests

from tests.meet.test_local_cache import (  # noqa: F401 - ``cluster`` is a fixture
    INVALID_KEY,
    Cluster,
    _admin,
    _room_list,
    _warm,
    cluster,
)
from tests.services import eventually


@pytest.mark.slow
def test_named_key_creation_and_revocation_apply_at_once_on_the_other_process(
    cluster: Cluster,  # noqa: F811
) -> None:
    first, second = cluster.urls
    _warm(first, "first-key")
    _warm(second, "first-key")  # the first use starts each process's listener
    eventually(lambda: cluster.subscribers() >= 2, timeout=15)
    # The second process now holds its copy of "no named keys".
    for _ in range(5):
        assert _room_list(second, "ovmk_" + "0" * 48).status_code == HTTPStatus.UNAUTHORIZED

    created = requests.post(
        f"{first}/api/v1/api-keys",
        json={"name": "ci", "scopes": ["rooms:read"]},
        headers=_admin(first),
        timeout=10,
    )
    assert created.status_code == HTTPStatus.CREATED, created.text
    key, key_id = created.json()["key"], created.json()["id"]
    assert _room_list(second, key).status_code == HTTPStatus.OK
    _warm(second, key)

    revoked = requests.delete(
        f"{first}/api/v1/api-keys/{key_id}", headers={"X-API-KEY": "first-key"}, timeout=10
    )
    assert revoked.status_code == HTTPStatus.OK, revoked.text
    refused = _room_list(second, key)
    assert refused.status_code == HTTPStatus.UNAUTHORIZED
    assert refused.json() == INVALID_KEY
    assert _room_list(second, "first-key").status_code == HTTPStatus.OK
