"""What metrics cost per request: ``python -m bench.metrics_overhead``.

Times, in this process, one request through the metrics middleware (route label, counter,
histogram) against the same request without it, and one recorded dependency call (the hook
around every Redis command, S3 and LiveKit call). Run it twice to see both value kinds:
as is (in-memory values) and with ``PROMETHEUS_MULTIPROC_DIR`` set to an empty directory
(file-backed values, as under ``bin/run``).
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meet.settings")
os.environ["MEET_METRICS_ENABLED"] = "true"

import django

django.setup()

from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.urls import resolve  # noqa: E402

from meet import metrics  # noqa: E402
from metrics.middleware import MetricsMiddleware  # noqa: E402

ROUNDS = 200_000


def _per_call_us(function: object, rounds: int = ROUNDS) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        function()  # type: ignore[operator]
    return (time.perf_counter() - started) / rounds * 1e6


def main() -> None:
    request = RequestFactory().get("/api/v1/rooms/abc")
    request.resolver_match = resolve("/api/v1/rooms/abc")
    response = HttpResponse("ok")

    def view(_request: object) -> HttpResponse:
        return response

    middleware = MetricsMiddleware(view)
    middleware(request)  # warm: label cache, metric children
    bare = min(_per_call_us(lambda: view(request)) for _ in range(3))
    wrapped = min(_per_call_us(lambda: middleware(request)) for _ in range(3))
    metrics.observe_dependency("redis", 0.0001, ok=True)
    dependency = min(
        _per_call_us(lambda: metrics.observe_dependency("redis", 0.0001, ok=True)) for _ in range(3)
    )
    empty = min(_per_call_us(lambda: None) for _ in range(3))
    mode = "file-backed (multiprocess)" if metrics.multiprocess_dir() else "in-memory"
    print(f"values: {mode}; an empty Python call costs {empty:.3f} us on this machine now")
    overhead = wrapped - bare
    print(f"middleware: {overhead:.2f} us per request (= {overhead / empty:.0f} empty calls)")
    print(f"dependency hook: {dependency:.2f} us per call (= {dependency / empty:.0f} empty calls)")


if __name__ == "__main__":
    main()
