"""GET /metrics and GET /api/v1/metrics: off by default, protection, counters after traffic."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from meet import metrics
from tests.metrics.helpers import scrape, value

ROUTE_ROOMS = "/api/v1/rooms"
ROUTE_ROOM = "/api/v1/rooms/<roomId>"


def test_off_by_default_both_routes_answer_as_an_unknown_path(initialized: None) -> None:
    client = Client()
    for path in ("/metrics", "/api/v1/metrics"):
        unknown = client.get(path.replace("metrics", "no-such-path"))
        response = client.get(path)
        assert response.status_code == unknown.status_code == 404
        assert response.content == unknown.content
        assert response["Content-Type"] == unknown["Content-Type"]
    post = client.post("/api/v1/metrics")
    assert post.status_code == 404
    assert post.json() == {"error": "Path Not Found", "message": "API path not implemented"}


def test_off_by_default_nothing_is_counted(key_client: APIClient, settings: Any) -> None:
    before = metrics.collect()
    key_client.get(ROUTE_ROOMS)
    after = metrics.collect()

    def http_total(families: Any) -> float:
        return sum(
            sample.value
            for family in families
            for sample in family.samples
            if sample.name == "meet_http_requests_total"
        )

    assert http_total(after) == http_total(before)


def test_scrape_after_traffic_shows_requests_by_route_template_and_status(
    metrics_on: None, api_key: str
) -> None:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=api_key)
    before = scrape(Client())
    created = client.post(ROUTE_ROOMS, {"roomName": "metrics"}, format="json")
    assert created.status_code == 201
    room_id = created.json()["roomId"]
    assert client.get(f"{ROUTE_ROOMS}/{room_id}").status_code == 200
    assert client.get(f"{ROUTE_ROOMS}/{room_id}").status_code == 200
    assert client.get(f"{ROUTE_ROOMS}/no-such-room").status_code == 404
    assert Client().get("/nowhere/at/all").status_code == 404
    text = scrape(Client())

    def delta(name: str, **labels: str) -> float:
        return value(text, name, **labels) - value(before, name, **labels)

    assert delta("meet_http_requests_total", method="POST", route=ROUTE_ROOMS, status="201") == 1
    assert delta("meet_http_requests_total", method="GET", route=ROUTE_ROOM, status="200") == 2
    assert delta("meet_http_requests_total", method="GET", route=ROUTE_ROOM, status="404") == 1
    assert delta("meet_http_requests_total", route="<unmatched>", status="404") == 1
    assert delta("meet_http_request_duration_seconds_count", method="GET", route=ROUTE_ROOM) == 3
    assert delta("meet_http_request_duration_seconds_bucket", route=ROUTE_ROOM, le="+Inf") == 3
    assert room_id not in text  # ids never reach a label
    # Dependencies used by those requests were timed and are up.
    assert delta("meet_dependency_duration_seconds_count", dependency="s3", outcome="ok") > 0
    assert delta("meet_dependency_duration_seconds_count", dependency="redis", outcome="ok") > 0


def test_inventory_gauges(metrics_on: None, key_client: APIClient, settings: Any) -> None:
    settings.MEET_METRICS_INVENTORY_SECONDS = 0  # every scrape recounts
    for name in ("a", "b"):
        assert key_client.post(ROUTE_ROOMS, {"roomName": name}, format="json").status_code == 201
    text = scrape(Client())
    assert value(text, "meet_rooms") == 2
    assert value(text, "meet_meetings_live") == 0
    assert value(text, "meet_recordings", status="complete") == 0
    assert value(text, "meet_inventory_timestamp_seconds") > 0


def test_inventory_is_not_recounted_within_its_interval(
    metrics_on: None, key_client: APIClient, settings: Any
) -> None:
    from metrics import services

    settings.MEET_METRICS_INVENTORY_SECONDS = 0
    assert services.refresh_inventory() is True
    settings.MEET_METRICS_INVENTORY_SECONDS = 3600
    assert key_client.post(ROUTE_ROOMS, {"roomName": "late"}, format="json").status_code == 201
    assert services.refresh_inventory() is False
    assert value(scrape(Client()), "meet_rooms") == 0  # counted before the room existed
    assert services.refresh_inventory(force=True) is True
    assert value(scrape(Client()), "meet_rooms") == 1


# --- Protection -----------------------------------------------------------------------------


def test_token_required_when_set(metrics_on: None, settings: Any, initialized: None) -> None:
    settings.MEET_METRICS_TOKEN = "scrape-secret-123"
    client = Client()
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": "Basic x"}):
        response = client.get("/metrics", **headers)
        assert response.status_code == 401
        assert response.json() == {
            "error": "Authentication Error",
            "message": "A valid metrics token is required (Authorization: Bearer <token>)",
        }
        assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    text = scrape(client, HTTP_AUTHORIZATION="Bearer scrape-secret-123")
    assert "meet_http_requests_total" in text
    assert "scrape-secret-123" not in text


def test_address_outside_the_networks_is_refused(metrics_on: None, settings: Any) -> None:
    response = Client(REMOTE_ADDR="203.0.113.9").get("/metrics")
    assert response.status_code == 403
    assert response.json() == {
        "error": "Authorization Error",
        "message": "Metrics are not served to this address",
    }
    # The trusted-proxy rules decide the client: a forged X-Forwarded-For from outside is no key.
    forged = Client(REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert forged.get("/metrics").status_code == 403
    # Behind the (loopback) proxy, the client it reports is what counts.
    proxied = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert proxied.get("/metrics").status_code == 403
    settings.MEET_METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("203.0.113.0/24")]
    assert Client(REMOTE_ADDR="203.0.113.9").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 403


def test_network_checked_before_the_token(metrics_on: None, settings: Any) -> None:
    settings.MEET_METRICS_TOKEN = "tok"
    response = Client(REMOTE_ADDR="198.51.100.1").get("/metrics", HTTP_AUTHORIZATION="Bearer tok")
    assert response.status_code == 403


def test_only_get_and_head(metrics_on: None) -> None:
    assert Client().post("/metrics").status_code == 404
    assert Client().head("/metrics").status_code == 200


def test_check_warns_when_open_to_everyone(settings: Any, capsys: Any) -> None:
    from meet.checks import metrics_protection

    settings.MEET_METRICS_ENABLED = True
    settings.MEET_METRICS_TOKEN = ""
    settings.MEET_METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("0.0.0.0/0")]
    [warning] = metrics_protection()
    assert warning.id == "meet.W033"
    settings.MEET_METRICS_TOKEN = "t"
    assert metrics_protection() == []
    settings.MEET_METRICS_TOKEN = ""
    settings.MEET_METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("10.0.0.0/8")]
    assert metrics_protection() == []
    settings.MEET_METRICS_ENABLED = False
    settings.MEET_METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("::/0")]
    assert metrics_protection() == []
    settings.MEET_METRICS_ENABLED = True
    call_command("check")  # a warning, not an error
    assert "meet.W033" in capsys.readouterr().err


# --- The JSON summary -----------------------------------------------------------------------


def test_summary_requires_api_key_or_admin(metrics_on: None, initialized: None) -> None:
    response = APIClient().get("/api/v1/metrics")
    assert response.status_code == 401
    assert set(response.json()) == {"error", "message"}


@pytest.mark.parametrize("credential", ["key", "admin"])
def test_summary(
    metrics_on: None, credential: str, api_key: str, admin_tokens: dict[str, str], settings: Any
) -> None:
    settings.MEET_METRICS_INVENTORY_SECONDS = 0
    client = APIClient()
    if credential == "key":
        client.credentials(HTTP_X_API_KEY=api_key)
    else:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {admin_tokens['access']}")
    assert client.post(ROUTE_ROOMS, {"roomName": "sum"}, format="json").status_code == 201
    response = client.get("/api/v1/metrics")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "multiprocess",
        "inventory",
        "http",
        "webhooks",
        "collectors",
        "dependencies",
    }
    assert body["multiprocess"] is False
    assert body["inventory"]["rooms"] == 1
    assert body["inventory"]["meetingsLive"] == 0
    assert body["inventory"]["recordingsByStatus"]["complete"] == 0
    routes = {(item["method"], item["route"]): item for item in body["http"]["routes"]}
    assert routes[("POST", ROUTE_ROOMS)]["requests"] >= 1
    assert body["http"]["byStatus"]["2xx"] >= 1
    dependencies = {item["dependency"]: item for item in body["dependencies"]}
    assert dependencies["s3"]["calls"] > 0
    assert dependencies["redis"]["up"] is True
