"""Cross-instance events over Redis pub/sub, in the reference's message format."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis as redis_py
from django.conf import settings

from meet import pubsub as events


@pytest.fixture
def other_connection(settings: Any) -> Iterator[redis_py.Redis]:
    """A Redis client of its own, as another server instance would have."""
    client = redis_py.Redis.from_url(settings.REDIS_LOCATION)
    yield client
    client.close()


def _wait_in_thread(
    predicate: Any, timeout: float
) -> tuple[threading.Thread, threading.Event, dict[str, Any]]:
    subscribed = threading.Event()
    outcome: dict[str, Any] = {}

    def wait() -> None:
        with events.subscribe("recording_active") as subscription:
            subscribed.set()
            outcome["payload"] = subscription.wait(predicate, timeout)

    thread = threading.Thread(target=wait)
    thread.start()
    assert subscribed.wait(5)
    return thread, subscribed, outcome


def test_a_waiter_receives_an_event_published_by_another_instance(
    other_connection: redis_py.Redis,
) -> None:
    thread, _subscribed, outcome = _wait_in_thread(lambda payload: True, timeout=5)
    payload = {"recordingId": "r--EG_1--abc", "roomId": "r", "status": "active"}

    other_connection.publish(
        settings.EVENTS_CHANNEL,
        json.dumps({"eventType": "recording_active", "payload": payload}),
    )
    thread.join(6)

    assert outcome["payload"] == payload


def test_an_event_is_published_on_the_reference_channel_as_event_type_and_payload(
    other_connection: redis_py.Redis,
) -> None:
    pubsub = other_connection.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(settings.EVENTS_CHANNEL)
    pubsub.get_message(timeout=1)  # the subscription confirmation

    events.publish("recording_active", {"roomId": "r", "roomName": "Salle é"})

    message = pubsub.get_message(timeout=2)
    pubsub.close()
    assert message["channel"] == settings.EVENTS_CHANNEL.encode()
    assert json.loads(message["data"]) == {
        "eventType": "recording_active",
        "payload": {"roomId": "r", "roomName": "Salle é"},
    }


def test_a_waiter_in_one_thread_gets_what_another_thread_publishes() -> None:
    thread, _subscribed, outcome = _wait_in_thread(
        lambda payload: payload.get("roomId") == "r1", timeout=5
    )

    events.publish("recording_active", {"roomId": "r1", "status": "active"})
    thread.join(6)

    assert outcome["payload"] == {"roomId": "r1", "status": "active"}


def test_events_that_do_not_match_are_skipped(other_connection: redis_py.Redis) -> None:
    thread, _subscribed, outcome = _wait_in_thread(
        lambda payload: payload.get("roomId") == "wanted", timeout=5
    )

    other_connection.publish(settings.EVENTS_CHANNEL, "not json")
    other_connection.publish(
        settings.EVENTS_CHANNEL,
        json.dumps({"eventType": "other_event", "payload": {"roomId": "wanted"}}),
    )
    events.publish("recording_active", {"roomId": "another-room"})
    events.publish("recording_active", {"roomId": "wanted", "n": 2})
    thread.join(6)

    assert outcome["payload"] == {"roomId": "wanted", "n": 2}


def test_waiting_without_a_matching_event_times_out_with_none() -> None:
    with events.subscribe("recording_active") as subscription:
        events.publish("recording_active", {"roomId": "another-room"})
        started = time.monotonic()

        payload = subscription.wait(lambda payload: payload.get("roomId") == "r1", 0.5)

    assert payload is None
    assert 0.45 <= time.monotonic() - started < 2


def test_an_event_published_before_subscribing_is_not_received() -> None:
    events.publish("recording_active", {"roomId": "r1"})

    with events.subscribe("recording_active") as subscription:
        assert subscription.wait(lambda payload: True, 0.3) is None


def test_the_production_channel_is_the_reference_one() -> None:
    import meet.settings

    assert meet.settings.EVENTS_CHANNEL == "ov_meet_channel"
