"""Fixtures: a running simulator (recordings to the moto bucket), a verifying webhook receiver."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import boto3
import pytest
from livekit import api
from livekit.protocol import webhook as webhook_pb

from tests.livekit_sim import LiveKitSimulator, S3Storage

API_KEY = "devkey"
API_SECRET = "secret"
BUCKET = "meet-test"

T = TypeVar("T")


@dataclass
class Delivery:
    body: bytes
    auth: str
    content_type: str
    event: webhook_pb.WebhookEvent | None  # None: rejected
    error: str = ""


@dataclass
class WebhookReceiver:
    """Verifies every POST with livekit.api.WebhookReceiver; 401 when verification fails."""

    url: str = ""
    deliveries: list[Delivery] = field(default_factory=list)
    fail_next: int = 0  # answer 500 to this many requests first
    delay: float = 0.0  # seconds to wait before answering
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def accepted(self) -> list[webhook_pb.WebhookEvent]:
        with self.lock:
            return [d.event for d in self.deliveries if d.event is not None]

    @property
    def rejected(self) -> list[Delivery]:
        with self.lock:
            return [d for d in self.deliveries if d.event is None]


def _receiver_handler(receiver: WebhookReceiver) -> type[BaseHTTPRequestHandler]:
    verifier = api.WebhookReceiver(api.TokenVerifier(API_KEY, API_SECRET))

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            time.sleep(receiver.delay)
            with receiver.lock:
                if receiver.fail_next > 0:
                    receiver.fail_next -= 1
                    self.send_response(500)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
            delivery = Delivery(
                body, self.headers.get("Authorization", ""), self.headers["Content-Type"], None
            )
            try:
                delivery.event = verifier.receive(body.decode("utf-8"), delivery.auth)
            except Exception as exc:
                delivery.error = str(exc)
            with receiver.lock:
                receiver.deliveries.append(delivery)
            self.send_response(200 if delivery.event is not None else 401)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Handler


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _receiver_handler(receiver))
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/livekit/webhook"
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def s3_storage(moto_endpoint: str) -> S3Storage:
    return S3Storage(moto_endpoint, BUCKET, access_key="testing", secret_key="testing")


@pytest.fixture
def s3(moto_endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def sim(webhook_receiver: WebhookReceiver, s3_storage: S3Storage) -> Iterator[LiveKitSimulator]:
    simulator = LiveKitSimulator(
        API_KEY,
        API_SECRET,
        webhook_url=webhook_receiver.url,
        storage=s3_storage,
        egress_active_delay=0.05,
        egress_stop_delay=0.05,
        egress_fail_delay=0.05,
        webhook_retry_delay=0.05,
    )
    simulator.start()
    yield simulator
    simulator.stop()


LkCall = Callable[[Callable[[api.LiveKitAPI], Awaitable[Any]]], Any]


@pytest.fixture
def lk(sim: LiveKitSimulator) -> LkCall:
    """``lk(lambda lkapi: lkapi.room.list_rooms(...))`` runs it with the real livekit-api client."""

    def call(fn: Callable[[api.LiveKitAPI], Awaitable[T]]) -> T:
        async def run() -> T:
            async with api.LiveKitAPI(sim.url, sim.api_key, sim.api_secret) as lkapi:
                return await fn(lkapi)

        return asyncio.run(run())

    return call
