"""Reading, writing, deleting and sizing single objects, on S3 and on the local directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.storage.conftest import Bucket

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "storage"
GOLDEN_KEYS = sorted(
    path.relative_to(FIXTURES).as_posix() for path in FIXTURES.rglob("*.json") if path.is_file()
)


def test_a_json_document_round_trips_through_put_and_get(object_store: Any) -> None:
    document = {"roomId": "r-1", "n": 3, "f": 1796040728113.747, "nested": {"list": [1, None]}}

    object_store.put_json("rooms/r-1/r-1.json", document)

    assert object_store.get_json("rooms/r-1/r-1.json") == document


def test_json_is_written_compact_with_non_ascii_kept_under_the_prefixed_key(
    object_store: Any, bucket: Bucket
) -> None:
    object_store.put_json("rooms/x/x.json", {"a": 1, "b": "é"})

    assert bucket.keys() == ["openvidu-meet/rooms/x/x.json"]
    assert bucket.raw("openvidu-meet/rooms/x/x.json") == '{"a":1,"b":"é"}'.encode()


def test_getting_a_missing_key_returns_none(object_store: Any) -> None:
    assert object_store.get_json("rooms/nope/nope.json") is None
    assert object_store.get_bytes("rooms/nope/nope.json") is None


def test_a_put_overwrites_the_previous_document(object_store: Any) -> None:
    object_store.put_json("users/admin.json", {"v": 1})
    object_store.put_json("users/admin.json", {"v": 2})

    assert object_store.get_json("users/admin.json") == {"v": 2}


def test_delete_removes_the_object_and_a_missing_key_is_not_an_error(
    object_store: Any, bucket: Bucket
) -> None:
    object_store.put_json("api_keys.json", [])
    object_store.put_json("global-config.json", {})

    object_store.delete("api_keys.json")
    object_store.delete("api_keys.json")
    object_store.delete("never-written.json")

    assert object_store.get_json("api_keys.json") is None
    assert bucket.keys() == ["openvidu-meet/global-config.json"]


def test_delete_many_removes_every_given_key_and_ignores_missing_ones(
    object_store: Any, bucket: Bucket
) -> None:
    for name in ("a", "b", "c", "keep"):
        object_store.put_json(f"rooms/{name}/{name}.json", {"id": name})

    object_store.delete_many(
        ["rooms/a/a.json", "rooms/b/b.json", "rooms/missing/missing.json", "rooms/c/c.json"]
    )
    object_store.delete_many([])

    assert bucket.keys() == ["openvidu-meet/rooms/keep/keep.json"]


def test_exists_and_head_report_presence_and_size(object_store: Any) -> None:
    object_store.put_bytes("recordings/r/r--abc.mp4", b"\x00" * 1234)

    info = object_store.head("recordings/r/r--abc.mp4")

    assert info is not None
    assert info.size == 1234
    assert object_store.exists("recordings/r/r--abc.mp4") is True
    assert object_store.head("recordings/r/r--zzz.mp4") is None
    assert object_store.exists("recordings/r/r--zzz.mp4") is False


def test_a_key_prefix_that_is_only_a_folder_is_not_an_object(object_store: Any) -> None:
    object_store.put_json("rooms/abc/abc.json", {"roomId": "abc"})

    assert object_store.exists("rooms/abc") is False
    assert object_store.head("rooms/abc") is None
    assert object_store.get_json("rooms/abc") is None


def test_bytes_round_trip_unchanged(object_store: Any) -> None:
    payload = bytes(range(256)) * 3

    object_store.put_bytes("recordings/r/r--bin.mp4", payload)

    assert object_store.get_bytes("recordings/r/r--bin.mp4") == payload


@pytest.mark.parametrize("key", GOLDEN_KEYS)
def test_a_document_written_by_the_reference_is_written_back_byte_for_byte(
    object_store: Any, bucket: Bucket, key: str
) -> None:
    golden = (FIXTURES / key).read_bytes()
    object_store.put_bytes(key, golden)

    document = object_store.get_json(key)
    object_store.delete(key)
    object_store.put_json(key, document)

    assert bucket.raw(f"openvidu-meet/{key}") == golden
    assert json.loads(golden) == document


def test_the_golden_fixtures_cover_every_object_kind_of_the_reference() -> None:
    assert "users/admin.json" in GOLDEN_KEYS
    assert "api_keys.json" in GOLDEN_KEYS
    assert "global-config.json" in GOLDEN_KEYS
    assert any(key.startswith("rooms/") for key in GOLDEN_KEYS)
    assert any(key.startswith("recordings/.metadata/") for key in GOLDEN_KEYS)
    assert any(key.startswith("recordings/.secrets/") for key in GOLDEN_KEYS)
    assert any(key.startswith("recordings/.room_metadata/") for key in GOLDEN_KEYS)


def test_integral_floats_are_written_as_integers_as_json_stringify_does(
    object_store: Any, bucket: Bucket
) -> None:
    # e.g. a recording's startDate computed as ns * 1e-6 that happens to be a whole number.
    object_store.put_json(
        "recordings/.metadata/r/EG_1/u.json",
        {"startDate": 1795435928223.0, "size": 0.0, "list": [1e20, -2.0], "f": 0.5, "b": True},
    )

    assert bucket.raw("openvidu-meet/recordings/.metadata/r/EG_1/u.json") == (
        b'{"startDate":1795435928223,"size":0,"list":[100000000000000000000,-2],"f":0.5,"b":true}'
    )
