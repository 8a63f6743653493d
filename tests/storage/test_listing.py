"""Paginated listing with continuation tokens, in S3's byte order, on S3 and locally."""

from __future__ import annotations

import random
from typing import Any
from unittest.mock import patch

import pytest
from botocore.exceptions import ClientError

from meet.storage import get_object_store
from meet.storage.base import InvalidPageTokenError

NAMES = ["B", "a", "_x", "-y", ".z", "Z9", "a-b", "a.b", "aa", "a_b", "0", "é", "~"]


def _store_rooms(store: Any, names: list[str]) -> list[str]:
    shuffled = list(names)
    random.Random(4).shuffle(shuffled)
    for name in shuffled:
        store.put_json(f"rooms/{name}/{name}.json", {"roomId": name})
    return sorted((f"openvidu-meet/rooms/{name}/{name}.json" for name in names), key=str.encode)


def test_a_listing_returns_full_keys_in_byte_lexicographic_order(object_store: Any) -> None:
    expected = _store_rooms(object_store, NAMES)

    page = object_store.list_keys("rooms", limit=100)

    assert page.keys == expected
    assert page.is_truncated is False
    assert page.next_page_token is None


def test_a_three_page_walk_returns_every_key_exactly_once(object_store: Any) -> None:
    expected = _store_rooms(object_store, NAMES[:7])

    first = object_store.list_keys("rooms", limit=3)
    second = object_store.list_keys("rooms", limit=3, continuation_token=first.next_page_token)
    third = object_store.list_keys("rooms", limit=3, continuation_token=second.next_page_token)

    assert [len(first.keys), len(second.keys), len(third.keys)] == [3, 3, 1]
    assert first.is_truncated is True
    assert first.next_page_token
    assert second.is_truncated is True
    assert second.next_page_token
    assert third.is_truncated is False
    assert third.next_page_token is None
    assert first.keys + second.keys + third.keys == expected


def test_a_full_last_page_is_not_truncated(object_store: Any) -> None:
    expected = _store_rooms(object_store, ["a", "b", "c", "d"])

    first = object_store.list_keys("rooms", limit=2)
    last = object_store.list_keys("rooms", limit=2, continuation_token=first.next_page_token)

    assert first.keys + last.keys == expected
    assert last.is_truncated is False
    assert last.next_page_token is None


def test_a_prefix_without_trailing_slash_also_matches_longer_ids(object_store: Any) -> None:
    _store_rooms(object_store, ["ab", "abc", "abcd", "abd"])

    page = object_store.list_keys("rooms/abc", limit=10)

    assert page.keys == [
        "openvidu-meet/rooms/abc/abc.json",
        "openvidu-meet/rooms/abcd/abcd.json",
    ]


def test_a_listing_only_returns_keys_under_its_prefix(object_store: Any) -> None:
    object_store.put_json("rooms/r/r.json", {})
    object_store.put_json("recordings/.metadata/r/EG_1/u1.json", {})
    object_store.put_json("recordings/.secrets/r/EG_1/u1.json", {})
    object_store.put_json("users/admin.json", {})

    page = object_store.list_keys("recordings/.metadata", limit=10)

    assert page.keys == ["openvidu-meet/recordings/.metadata/r/EG_1/u1.json"]


def test_listing_an_empty_prefix_gives_an_empty_last_page(object_store: Any) -> None:
    page = object_store.list_keys("rooms", limit=10)

    assert page.keys == []
    assert page.is_truncated is False
    assert page.next_page_token is None


def test_without_a_limit_a_page_holds_the_store_default(object_store: Any, settings: Any) -> None:
    settings.STORAGE_DEFAULT_PAGE_SIZE = 2
    _store_rooms(object_store, ["a", "b", "c"])

    page = object_store.list_keys("rooms")

    assert len(page.keys) == 2
    assert page.is_truncated is True


def test_the_literal_token_undefined_is_ignored_as_the_reference_does(object_store: Any) -> None:
    expected = _store_rooms(object_store, ["a", "b", "c"])

    page = object_store.list_keys("rooms", limit=2, continuation_token="undefined")

    assert page.keys == expected[:2]


def test_a_local_token_that_is_not_one_of_ours_is_rejected(tmp_path: Any) -> None:
    from meet.storage.django_storage import LocalObjectStore

    store = LocalObjectStore(tmp_path / "bucket", prefix="openvidu-meet")
    _store_rooms(store, ["a", "b", "c"])

    for token in ("not a token!", "%%%", "gA=="):
        with pytest.raises(InvalidPageTokenError):
            store.list_keys("rooms", limit=2, continuation_token=token)


def test_an_s3_token_the_server_refuses_is_an_invalid_page_token() -> None:
    # Real S3 answers 400 InvalidArgument for a forged token; moto cannot produce that.
    store = get_object_store()
    refused = ClientError(
        {
            "Error": {
                "Code": "InvalidArgument",
                "Message": "The continuation token provided is incorrect",
            }
        },
        "ListObjectsV2",
    )

    with (
        patch.object(store.client, "list_objects_v2", side_effect=refused),
        pytest.raises(InvalidPageTokenError),
    ):
        store.list_keys("rooms", limit=2, continuation_token="forged")
