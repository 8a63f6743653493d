from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from meet.storage import get_object_store
from tests.services import free_port


class _LiveKitLike(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"OK")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def livekit_url(settings: Any) -> Any:
    server = HTTPServer(("127.0.0.1", 0), _LiveKitLike)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.LIVEKIT_URL_PRIVATE = f"ws://127.0.0.1:{server.server_port}"
    yield settings.LIVEKIT_URL_PRIVATE
    server.shutdown()


def test_all_services_reachable(livekit_url: str) -> None:
    out = StringIO()
    call_command("check_services", stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["storage", "OK"],
        ["redis", "OK"],
        ["livekit", "OK"],
    ]
    assert f"http://127.0.0.1:{livekit_url.rsplit(':', 1)[1]}" in lines[2]


def test_unreachable_services_are_reported_and_fail_the_command(settings: Any) -> None:
    settings.LIVEKIT_URL_PRIVATE = f"ws://127.0.0.1:{free_port()}"
    settings.MEET_S3_SERVICE_ENDPOINT = f"http://127.0.0.1:{free_port()}"
    get_object_store.cache_clear()
    out = StringIO()
    with pytest.raises(CommandError, match="2 service"):
        call_command("check_services", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("storage  FAIL S3 is not available")
    assert lines[1].startswith("redis    OK")
    assert lines[2].startswith("livekit  FAIL")


def test_livekit_is_ok_with_the_simulator(livekit_sim: Any) -> None:
    out = StringIO()
    call_command("check_services", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[2].startswith(f"livekit  OK   {livekit_sim.url} (")
