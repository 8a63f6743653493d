"""Tunable knobs of the simulator (all times in seconds, floats allowed)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass
class SimConfig:
    # rooms: LiveKit's defaults (room.empty_timeout / room.departure_timeout); used when a
    # CreateRoom request leaves them at 0
    empty_timeout: float = 300.0
    departure_timeout: float = 20.0
    # egress timings
    egress_active_delay: float = 0.5  # STARTING -> recorder joins -> ACTIVE
    egress_stop_delay: float = 0.3  # ENDING -> upload -> COMPLETE
    egress_fail_delay: float = 0.5  # for "fail later" egresses
    mp4_size: int = 0  # pad uploaded MP4s to at least this many bytes
    # webhooks
    webhook_retries: int = 3
    webhook_retry_delay: float = 0.2
    webhook_timeout: float = 5.0
    # error code for a valid token that lacks the method's grant
    grant_error_code: str = "permission_denied"

    def update(self, **changes: Any) -> None:
        names = {f.name for f in dataclasses.fields(self)}
        unknown = set(changes) - names
        if unknown:
            raise ValueError(f"unknown config option(s): {', '.join(sorted(unknown))}")
        for name, value in changes.items():
            kind = type(getattr(self, name))
            setattr(self, name, kind(value))

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
