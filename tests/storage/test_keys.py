"""The reference's "subbucket" prefix rule, and refusal of keys that could address another."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from meet.storage import StorageKeyError
from meet.storage.base import apply_prefix
from meet.storage.django_storage import LocalObjectStore
from meet.storage.s3 import S3ObjectStore
from tests.storage.conftest import Bucket

BAD_KEYS = [
    "",
    "/rooms/x/x.json",
    "..",
    ".",
    "../global-config.json",
    "rooms/../users/admin.json",
    "rooms/x/..",
    "rooms/./x.json",
    "rooms/x/.",
    "rooms//x.json",
    "rooms\\..\\users\\admin.json",
    "rooms/x\x00.json",
    "rooms/x\n.json",
    "rooms/\x1fx.json",
    "openvidu-meet/../api_keys.json",
]


@pytest.mark.parametrize(
    ("prefix", "key", "expected"),
    [
        ("openvidu-meet", "rooms/a/a.json", "openvidu-meet/rooms/a/a.json"),
        ("openvidu-meet", "openvidu-meet/rooms/a/a.json", "openvidu-meet/rooms/a/a.json"),
        # A raw startsWith, with no "/" check, exactly as the reference.
        ("rec", "recordings/x", "recordings/x"),
        ("rec", "rooms/x", "rec/rooms/x"),
        ("openvidu-meet", "openvidu-meet-other/x", "openvidu-meet-other/x"),
        ("openvidu-meet", "recordings/.metadata/r/EG_1/u.json", None),
        ("openvidu-meet", "rooms/a..b/a..b.json", None),
    ],
)
def test_the_prefix_is_prepended_unless_the_key_already_starts_with_it(
    prefix: str, key: str, expected: str | None
) -> None:
    assert apply_prefix(prefix, key) == (expected or f"{prefix}/{key}")


@pytest.mark.parametrize("key", BAD_KEYS)
def test_keys_that_could_escape_their_place_are_refused(key: str) -> None:
    with pytest.raises(StorageKeyError):
        apply_prefix("openvidu-meet", key)


@pytest.mark.parametrize("key", BAD_KEYS)
def test_no_store_operation_accepts_a_crafted_key(
    object_store: Any, bucket: Bucket, key: str
) -> None:
    object_store.put_json("users/admin.json", {"username": "admin"})
    operations = [
        lambda: object_store.get_json(key),
        lambda: object_store.get_bytes(key),
        lambda: object_store.put_json(key, {"owned": True}),
        lambda: object_store.put_bytes(key, b"x"),
        lambda: object_store.delete(key),
        lambda: object_store.delete_many(["users/admin.json", key]),
        lambda: object_store.exists(key),
        lambda: object_store.head(key),
        lambda: object_store.open_stream(key),
        lambda: object_store.list_keys(key),
    ]

    for operation in operations:
        with pytest.raises(StorageKeyError):
            operation()

    assert bucket.keys() == ["openvidu-meet/users/admin.json"]


def test_a_key_returned_by_a_listing_can_be_fed_back_to_get_and_delete(
    object_store: Any, bucket: Bucket
) -> None:
    object_store.put_json("rooms/abc/abc.json", {"roomId": "abc"})

    [listed] = object_store.list_keys("rooms").keys

    assert listed == "openvidu-meet/rooms/abc/abc.json"
    assert object_store.get_json(listed) == {"roomId": "abc"}
    object_store.delete(listed)
    assert bucket.keys() == []


def test_with_a_prefix_that_starts_a_logical_key_the_key_is_stored_unprefixed_on_s3(
    settings: Any,
) -> None:
    settings.STORAGE_KEY_PREFIX = "rec"
    store = S3ObjectStore()  # built aside: the shared store keeps the test prefix
    bucket = Bucket(store)

    store.put_json("recordings/x.json", {"a": 1})
    store.put_json("rooms/y.json", {"b": 2})

    assert bucket.keys() == ["rec/rooms/y.json", "recordings/x.json"]
    assert store.get_json("recordings/x.json") == {"a": 1}


def test_with_a_prefix_that_starts_a_logical_key_the_key_is_stored_unprefixed_locally(
    tmp_path: Path,
) -> None:
    store = LocalObjectStore(tmp_path / "bucket", prefix="rec")

    store.put_json("recordings/x.json", {"a": 1})
    store.put_json("rooms/y.json", {"b": 2})

    assert Bucket(store).keys() == ["rec/rooms/y.json", "recordings/x.json"]
    assert store.get_json("recordings/x.json") == {"a": 1}


def test_a_local_store_never_writes_outside_its_directory(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "bucket", prefix="openvidu-meet")

    for key in BAD_KEYS:
        with pytest.raises(StorageKeyError):
            store.put_bytes(key, b"owned")

    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []
