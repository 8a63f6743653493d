"""Celery's worker and beat as threads of the web process: the single-node default.

``bin/run`` with every role and one web process sets ``MEET_EMBEDDED_ROLES=worker,beat`` for
it, and ``meet/wsgi.py`` calls ``start()``: the web server, the task worker and the scheduler
then share one copy of the application instead of three (docs/operations.md, "Process model").
Scaled out, each role runs as its own process with Celery's own command line instead.

The worker is Celery's ``WorkController`` with the ``threads`` pool (what Celery's own test
harness runs in a thread); beat is Celery's ``EmbeddedService`` in thread mode. Both stop with
the process: a warm shutdown (running tasks finish, up to ``EMBEDDED_STOP_SECONDS``), and with
``acks_late`` a task cut short is delivered again.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import threading
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

EMBEDDED_STOP_SECONDS = 8.0
_started: dict[str, Any] = {}
_lock = threading.Lock()


def start(roles: list[str]) -> None:
    """Start the Celery ``roles`` (``worker``, ``beat``) as daemon threads; once per process."""
    with _lock:
        if _started.get("pid") == os.getpid():
            return
        _started.clear()
        _started["pid"] = os.getpid()
        from meet.celery import app

        if "worker" in roles:
            _started["worker"] = _start_worker(app)
        if "beat" in roles:
            _started["beat"] = _start_beat(app)
    atexit.register(stop)
    # A multiprocessing child (the web server's worker process) leaves through os._exit after
    # its finalizers, without atexit: stop there too.
    from multiprocessing import util

    util.Finalize(None, stop, exitpriority=100)


def _start_worker(app: Any) -> Any:
    from celery.worker import WorkController

    worker = WorkController(
        app=app,
        hostname=f"meet@{socket.gethostname()}.{os.getpid()}",
        pool="threads",
        concurrency=settings.EMBEDDED_WORKER_THREADS,
        loglevel=settings.MEET_LOG_LEVEL,
        without_mingle=True,
        without_gossip=True,
        without_heartbeat=True,
    )
    thread = threading.Thread(target=worker.start, name="celery-worker", daemon=True)
    thread.start()
    logger.info("Celery worker running in this process (%s threads)", worker.concurrency)
    return (worker, thread)


def _start_beat(app: Any) -> Any:
    from celery.beat import EmbeddedService

    beat = EmbeddedService(
        app, thread=True, schedule_filename=settings.CELERY_BEAT_SCHEDULE_FILENAME
    )
    beat.start()
    logger.info("Celery beat running in this process")
    return beat


def stop() -> None:
    with _lock:
        if _started.get("pid") != os.getpid():
            return
        beat = _started.pop("beat", None)
        worker = _started.pop("worker", None)
    if beat is not None:
        try:
            beat.stop()
        except Exception:  # stopping must not hide why the process stops
            logger.warning("Stopping the embedded beat failed", exc_info=True)
    if worker is not None:
        controller, thread = worker
        try:
            controller.stop(in_sighandler=False, exitcode=0)
        except Exception:
            logger.warning("Stopping the embedded worker failed", exc_info=True)
        thread.join(EMBEDDED_STOP_SECONDS)
