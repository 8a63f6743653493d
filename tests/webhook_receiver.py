"""A customer's webhook endpoint for tests: records requests, answers as programmed, and
verifies signatures with the receiver-side algorithm of the contract (api-contract.md §8.3)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """``statuses`` are answered in order (the last one repeats); ``delay`` seconds per reply."""

    statuses: list[int] = field(default_factory=lambda: [200])
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)

    def start(self) -> str:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                index = len(receiver.received)
                receiver.received.append(Received(dict(self.headers.items()), body))
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.statuses[min(index, len(receiver.statuses) - 1)]
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_port}/hook"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} requests, got {len(self.received)}")
            time.sleep(0.02)


def verify_signature(received: Received, api_key: str, *, max_age_ms: int = 120_000) -> bool:
    """The official receiver snippet: HMAC over ``{timestamp}.{compact re-serialised body}``."""
    timestamp = received.headers["X-Timestamp"]
    if time.time() * 1000 - int(timestamp) >= max_age_ms:
        return False
    payload = json.dumps(json.loads(received.body), separators=(",", ":"), ensure_ascii=False)
    expected = hmac.new(api_key.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), received.headers["X-Signature"])
