"""A faithful-enough LiveKit server simulator for tests (RoomService + Egress over Twirp).

In process::

    sim = LiveKitSimulator("devkey", "secret", webhook_url=url, storage=S3Storage(...))
    base_url = sim.start()        # http://127.0.0.1:<port>; use it as LIVEKIT_URL_PRIVATE
    ...
    sim.stop()

As a process: ``python -m tests.livekit_sim --host 127.0.0.1 --port 7880 --webhook-url URL``.
See ``simulator.py`` for the Python control API and ``control.py`` for the HTTP one.
"""

from tests.livekit_sim.config import SimConfig
from tests.livekit_sim.media import (
    LocalStorage,
    MemoryStorage,
    NullStorage,
    S3Storage,
    mp4_bytes,
    storage_from_env,
)
from tests.livekit_sim.simulator import LiveKitSimulator
from tests.livekit_sim.state import DataMessage
from tests.livekit_sim.webhooks import RecordedEvent

__all__ = [
    "DataMessage",
    "LiveKitSimulator",
    "LocalStorage",
    "MemoryStorage",
    "NullStorage",
    "RecordedEvent",
    "S3Storage",
    "SimConfig",
    "mp4_bytes",
    "storage_from_env",
]
