"""The page behind a room link without a front-end build, and the console's banners."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest
from django.test import Client

from accounts import services as accounts_services
from rooms import services as room_services
from rooms.domain import RoomStatus
from tests.console.test_views import signed_in
from tests.meet.test_frontend import INDEX, body


def new_room(name: str = "Weekly sync") -> Any:
    return room_services.create_room(options=room_services.RoomOptions(room_name=name))


# --- Room links ---------------------------------------------------------------------------------


def test_a_room_link_shows_the_room_and_how_a_front_end_joins(initialized: None) -> None:
    room = new_room()
    response = Client().get(room.moderator_url, HTTP_HOST="meet.example")
    # 404 as the reference without its front-end build: no client takes it for a front end.
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    assert 'data-testid="room-name">Weekly sync<' in page
    assert f'data-testid="room-id">{room.room_id}<' in page
    assert 'data-testid="room-role">moderator<' in page
    assert "open, no meeting yet" in page
    assert "curl -X POST http://meet.example/internal-api/v1/participants/token" in page
    assert f'{{"roomId": "{room.room_id}", "secret": "{room.moderator_secret}"' in page
    assert "MEET_FRONTEND_DIR" in page
    assert f'href="/console/rooms/{room.room_id}/"' in page

    speaker = Client().get(room.speaker_url).content.decode()
    assert 'data-testid="room-role">speaker<' in speaker


def test_a_closed_room_link_says_it_cannot_be_joined(initialized: None) -> None:
    room = new_room()
    room_services.update_room_status(room_id=room.room_id, status=RoomStatus.CLOSED)
    page = Client().get(room.speaker_url).content.decode()
    assert "closed: cannot be joined" in page


@pytest.mark.parametrize("suffix", ["?secret=wrong", "", "?secret="])
def test_a_wrong_secret_shows_nothing_of_the_room(initialized: None, suffix: str) -> None:
    room = new_room("Private board")
    response = Client().get(f"/room/{room.room_id}{suffix}")
    assert response.status_code == HTTPStatus.NOT_FOUND
    page = response.content.decode()
    assert "Private board" not in page
    assert room.moderator_secret not in page
    assert 'data-testid="invalid-link"' in page


def test_an_unknown_room_link(initialized: None) -> None:
    response = Client().get("/room/..no%25such*room?secret=x")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert 'data-testid="invalid-link"' in response.content.decode()


def test_a_room_link_is_the_build_index_when_one_is_configured(
    initialized: None, frontend_build: Any
) -> None:
    room = new_room()
    response = Client().get(room.moderator_url)
    assert response.status_code == HTTPStatus.OK
    assert body(response) == INDEX


def test_other_methods_on_a_room_link_get_the_json_404(initialized: None) -> None:
    response = Client().post("/room/abc?secret=x")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json() == {"error": "Path Not Found", "message": "API path not implemented"}


# --- Banners ------------------------------------------------------------------------------------


def test_no_banner_normally(initialized: None, settings: Any) -> None:
    accounts_services.reset_password(username="admin", new_password="a-better-one")
    page = signed_in(password="a-better-one").get("/console/").content.decode()
    assert "banner-demo" not in page
    assert "banner-initial-password" not in page


def test_the_demo_mode_banner(initialized: None, settings: Any) -> None:
    settings.MEET_DEMO_MODE = True
    assert 'data-testid="banner-demo"' in Client().get("/console/login/").content.decode()
    page = signed_in().get("/console/rooms/").content.decode()
    assert 'data-testid="banner-demo"' in page
    assert "LiveKit <em>simulator</em>" in page


def test_the_initial_password_banner_until_it_is_changed(initialized: None) -> None:
    console = signed_in()
    for path in ("/console/", "/console/settings/"):
        page = console.get(path).content.decode()
        assert 'data-testid="banner-initial-password"' in page
        assert 'href="/console/account/"' in page
    changed = console.post(
        "/console/account/",
        {
            "current_password": "admin",
            "new_password": "n3w-password",
            "confirm_password": "n3w-password",
        },
    )
    assert changed.status_code == HTTPStatus.FOUND, changed.content
    page = signed_in(password="n3w-password").get("/console/").content.decode()
    assert "banner-initial-password" not in page
