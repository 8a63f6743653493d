"""Fixtures around the LiveKit simulator (registered by ``tests/conftest.py``).

* ``livekit_sim``: a running ``LiveKitSimulator`` (devkey/secret, recordings uploaded to the
  moto bucket, fast egress timings, no webhook URL); ``LIVEKIT_URL_PRIVATE``/``LIVEKIT_URL``
  point at it and ``meet.livekit``'s client is reset around the test.
* ``meet_server``: our Django app (``meet.wsgi.application``) served over real HTTP in a
  thread; the base URL (``http://127.0.0.1:<port>``). pytest-django's ``live_server`` cannot be
  used: it flushes the (absent) database on teardown.
* ``livekit_webhooks``: ``livekit_sim`` delivering its signed webhooks to
  ``{meet_server}/livekit/webhook`` (``sim.wait_webhooks_delivered()`` returns once our app has
  answered, i.e. handled, every event emitted so far).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import QuietWSGIRequestHandler

from tests.livekit_sim import LiveKitSimulator, S3Storage

SIM_BUCKET = "meet-test"
FAST_TIMINGS = {
    "egress_active_delay": 0.05,
    "egress_stop_delay": 0.05,
    "egress_fail_delay": 0.05,
    "webhook_retry_delay": 0.05,
}


@pytest.fixture
def livekit_sim(settings: Any, moto_endpoint: str) -> Iterator[LiveKitSimulator]:
    from meet import livekit

    simulator = LiveKitSimulator(
        settings.LIVEKIT_API_KEY,
        settings.LIVEKIT_API_SECRET,
        webhook_url=None,
        storage=S3Storage(moto_endpoint, SIM_BUCKET, access_key="testing", secret_key="testing"),
        **FAST_TIMINGS,
    )
    simulator.start()
    settings.LIVEKIT_URL_PRIVATE = simulator.ws_url
    settings.LIVEKIT_URL = simulator.ws_url
    livekit.reset_client()
    try:
        yield simulator
    finally:
        livekit.reset_client()
        simulator.stop()


@pytest.fixture
def meet_server() -> Iterator[str]:
    from meet.wsgi import application

    server = ThreadedWSGIServer(
        ("127.0.0.1", 0), QuietWSGIRequestHandler, allow_reuse_address=False
    )
    server.set_app(application)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="meet-server", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def livekit_webhooks(livekit_sim: LiveKitSimulator, meet_server: str) -> Iterator[LiveKitSimulator]:
    livekit_sim.set_webhook_url(f"{meet_server}/livekit/webhook")
    yield livekit_sim
    # nothing more reaches the app once the test is over (pending deliveries are dropped)
    livekit_sim.set_webhook_url(None)
    livekit_sim.reset()
