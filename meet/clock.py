"""The one clock: epoch milliseconds, as the reference stamps every date it stores or sends."""

from __future__ import annotations

import time


def now_ms() -> int:
    return int(time.time() * 1000)
