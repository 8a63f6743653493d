"""Golden files: every object the reference wrote to its bucket, read through the repository that
owns it and written back by that repository, byte for byte (the codecs are the contract).

The objects are ``tests/fixtures/storage/``, a copy of the reference's bucket sample (hidden
``recordings/.metadata``, ``.secrets`` and ``.room_metadata`` directories included), so CI needs
nothing outside the repository; a last test checks the copy against the sample when it is there.
"""

from __future__ import annotations

import filecmp
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from accounts.repository import ApiKeyRepository, GlobalConfigRepository, UserRepository
from recordings.domain import parse_recording_id
from recordings.repository import ArchivedRoomRepository, RecordingRepository
from rooms.repository import RoomRepository

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "storage"
SAMPLE = (
    Path(__file__).resolve().parents[3] / "shared" / "reference" / "bucket-sample" / "openvidu-meet"
)
GOLDEN_KEYS = sorted(
    path.relative_to(FIXTURES).as_posix() for path in FIXTURES.rglob("*.json") if path.is_file()
)

# A round trip reads the object into its domain value and writes that value back.
RoundTrip = Callable[[str], None]


def _recording_id(key: str) -> Any:
    _recordings, _kind, room_id, egress_id, file_name = key.split("/")
    parsed = parse_recording_id(f"{room_id}--{egress_id}--{file_name.removesuffix('.json')}")
    assert parsed is not None
    return parsed


def _user(key: str) -> None:
    repository = UserRepository()
    user = repository.get(key.removeprefix("users/").removesuffix(".json"))
    assert user is not None
    _forget(key)
    repository.save(user)


def _api_keys(key: str) -> None:
    repository = ApiKeyRepository()
    api_keys = repository.list()
    assert api_keys
    _forget(key)
    repository.replace(api_keys)


def _global_config(key: str) -> None:
    repository = GlobalConfigRepository()
    config = repository.get()
    assert config is not None
    _forget(key)
    repository.save(config)


def _room(key: str) -> None:
    repository = RoomRepository()
    room = repository.get(key.split("/")[1])
    assert room is not None
    _forget(key)
    repository.save(room)


def _recording(key: str) -> None:
    repository = RecordingRepository()
    recording = repository.get(_recording_id(key))
    assert recording is not None
    _forget(key)
    repository.save(recording)


def _recording_secrets(key: str) -> None:
    repository = RecordingRepository()
    secrets = repository.get_secrets(_recording_id(key))
    assert secrets is not None
    _forget(key)
    repository.save_secrets(
        _recording_id(key), secrets["publicAccessSecret"], secrets["privateAccessSecret"]
    )


def _archived_room(key: str) -> None:
    repository = ArchivedRoomRepository()
    room_id = key.split("/")[2]
    archived = repository.get(room_id)
    assert archived is not None
    _forget(key)
    repository.save(room_id, archived)


def _forget(key: str) -> None:
    """Nothing of the original object may survive: not the stored bytes, not a cache entry."""
    from meet.redis_connection import redis

    store().delete(key)
    redis().flushdb()
    assert store().get_bytes(key) is None


def store() -> Any:
    from meet.storage import get_object_store

    return get_object_store()


def repository_round_trip(key: str) -> RoundTrip:
    """The repository that owns ``key``; every kind of object the reference writes has one."""
    if key.startswith("users/"):
        return _user
    if key == "api_keys.json":
        return _api_keys
    if key == "global-config.json":
        return _global_config
    if key.startswith("rooms/"):
        return _room
    if key.startswith("recordings/.metadata/"):
        return _recording
    if key.startswith("recordings/.secrets/"):
        return _recording_secrets
    if key.startswith("recordings/.room_metadata/"):
        return _archived_room
    raise AssertionError(f"no repository owns {key}")


@pytest.mark.parametrize("key", GOLDEN_KEYS)
def test_the_owning_repository_writes_the_reference_object_back_byte_for_byte(key: str) -> None:
    golden = (FIXTURES / key).read_bytes()
    store().put_bytes(key, golden)

    repository_round_trip(key)(key)

    assert store().get_bytes(key) == golden


def test_every_kind_of_object_in_the_sample_is_covered() -> None:
    kinds = {repository_round_trip(key) for key in GOLDEN_KEYS}

    assert kinds == {
        _user,
        _api_keys,
        _global_config,
        _room,
        _recording,
        _recording_secrets,
        _archived_room,
    }


def test_the_fixtures_are_the_reference_bucket_sample() -> None:
    if not SAMPLE.is_dir():
        pytest.skip("the reference bucket sample is not beside this checkout")
    sample_keys = sorted(
        path.relative_to(SAMPLE).as_posix() for path in SAMPLE.rglob("*") if path.is_file()
    )

    assert sample_keys == GOLDEN_KEYS
    assert all(filecmp.cmp(SAMPLE / key, FIXTURES / key, shallow=False) for key in GOLDEN_KEYS)
