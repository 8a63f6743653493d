"""S3-only behaviour: batch limits, outages and put retries."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.utils import parse_timestamp

from meet.storage import StorageUnavailableError, get_object_store
from meet.storage.s3 import _parse_timestamp
from tests.services import free_port
from tests.storage.conftest import Bucket


@pytest.fixture
def s3_outage(settings: Any) -> Any:
    settings.MEET_S3_SERVICE_ENDPOINT = f"http://127.0.0.1:{free_port()}"
    get_object_store.cache_clear()
    return get_object_store()


def test_delete_many_removes_more_than_the_1000_keys_of_one_s3_request() -> None:
    # S3 refuses DeleteObjects with more than 1000 keys (moto does not check, so the requests
    # are watched); the keys at the batch edges really exist and must be gone.
    store = get_object_store()
    keys = [f"rooms/r{index:04d}/r{index:04d}.json" for index in range(2005)]
    for index in (0, 999, 1000, 1999, 2000, 2004):
        store.put_json(keys[index], {})
    store.put_json("users/admin.json", {})

    with patch.object(
        store.client, "delete_objects", wraps=store.client.delete_objects
    ) as delete_objects:
        store.delete_many(keys)

    batch_sizes = [len(call.kwargs["Delete"]["Objects"]) for call in delete_objects.call_args_list]
    assert batch_sizes == [1000, 1000, 5]
    assert Bucket(store).keys() == ["openvidu-meet/users/admin.json"]


@pytest.mark.parametrize(
    "operation",
    [
        lambda store: store.get_json("global-config.json"),
        lambda store: store.put_json("global-config.json", {}),
        lambda store: store.delete("global-config.json"),
        lambda store: store.delete_many(["a.json", "b.json"]),
        lambda store: store.exists("global-config.json"),
        lambda store: store.head("global-config.json"),
        lambda store: store.list_keys("rooms", limit=1),
        lambda store: store.open_stream("recordings/r/r--u.mp4", (0, 1)),
        lambda store: store.check_health(),
    ],
)
def test_an_unreachable_s3_is_reported_as_unavailable(s3_outage: Any, operation: Any) -> None:
    with pytest.raises(StorageUnavailableError) as raised:
        operation(s3_outage)

    assert raised.value.message.startswith("S3 is not available")
    assert raised.value.status_code == 503
    assert raised.value.error == "S3 Error"


def _flaky_put(store: Any, failures: int) -> tuple[Any, list[str]]:
    real_put_object = store.client.put_object
    attempts: list[str] = []

    def put_object(**kwargs: Any) -> Any:
        attempts.append(kwargs["Key"])
        if len(attempts) <= failures:
            raise EndpointConnectionError(endpoint_url="http://s3.invalid")
        return real_put_object(**kwargs)

    return put_object, attempts


def test_a_put_is_retried_until_it_succeeds(settings: Any) -> None:
    settings.STORAGE_PUT_ATTEMPTS = 3
    store = get_object_store()
    put_object, attempts = _flaky_put(store, failures=2)

    with patch.object(store.client, "put_object", side_effect=put_object):
        store.put_json("global-config.json", {"projectId": "p"})

    assert attempts == ["openvidu-meet/global-config.json"] * 3
    assert Bucket(store).raw("openvidu-meet/global-config.json") == b'{"projectId":"p"}'


def test_a_put_that_fails_every_attempt_is_unavailable_and_writes_nothing(
    settings: Any,
) -> None:
    settings.STORAGE_PUT_ATTEMPTS = 3
    store = get_object_store()
    put_object, attempts = _flaky_put(store, failures=3)

    with (
        patch.object(store.client, "put_object", side_effect=put_object),
        pytest.raises(StorageUnavailableError, match=r"^S3 is not available"),
    ):
        store.put_json("global-config.json", {"projectId": "p"})

    assert len(attempts) == 3
    assert Bucket(store).keys() == []


def _get_object_headers(store: Any) -> list[dict[str, str]]:
    """The headers of every GetObject request the store's client sends from now on."""
    sent: list[dict[str, str]] = []

    def watch(params: dict[str, Any], **_: Any) -> None:
        sent.append({name.lower(): str(value) for name, value in params["headers"].items()})

    store.client.meta.events.register("before-call.s3.GetObject", watch)
    return sent


def test_documents_are_read_with_their_checksum_checked_and_media_streams_without() -> None:
    # botocore's CRC over every byte of a media download was about a third of its CPU.
    store = get_object_store()
    store.put_json("rooms/r1/r1.json", {"roomId": "r1"})
    store.put_bytes("recordings/.bin/r1/v.mp4", b"\0" * 4096, content_type="video/mp4")
    sent = _get_object_headers(store)

    assert store.get_json("rooms/r1/r1.json") == {"roomId": "r1"}
    stream = store.open_stream("recordings/.bin/r1/v.mp4")
    assert stream is not None
    assert b"".join(stream.iter_chunks()) == b"\0" * 4096

    document, media = sent
    assert document.get("x-amz-checksum-mode") == "ENABLED"
    assert "x-amz-checksum-mode" not in media


@pytest.mark.parametrize(
    "value",
    [
        "2026-12-05T07:30:00.000Z",
        "2026-12-05T07:30:00Z",
        "2026-12-05T07:30:00.123456+01:00",
        "Sat, 05 Dec 2026 07:30:00 GMT",  # an HTTP date (Last-Modified header)
        "1733383800",  # epoch seconds
        "2026-12-05T07:30:00",  # no zone: botocore's reading (local time)
    ],
)
def test_the_fast_timestamp_parser_reads_what_botocore_reads(value: str) -> None:
    assert _parse_timestamp(value) == parse_timestamp(value)
