"""A fixed-window counter in Redis, shaped like express-rate-limit 7 (used by login).

The window starts at the first counted hit. ``hit`` counts a request and tells whether it is
over the limit; ``uncount`` takes a successful request back out (``skipSuccessfulRequests``).
Counting in Redis makes the limit hold across processes and instances (the reference counts
in each process's memory).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from meet import redis_keys
from meet.redis_connection import redis, redis_errors_as_503

_HIT_SCRIPT = """
local hits = redis.call("INCR", KEYS[1])
if hits == 1 then
    redis.call("PEXPIRE", KEYS[1], ARGV[1])
end
local ttl = redis.call("PTTL", KEYS[1])
if ttl < 0 then
    redis.call("PEXPIRE", KEYS[1], ARGV[1])
    ttl = tonumber(ARGV[1])
end
return {hits, ttl}
"""

_UNCOUNT_SCRIPT = """
local hits = tonumber(redis.call("GET", KEYS[1]) or "0")
if hits > 0 then
    redis.call("DECR", KEYS[1])
end
return 0
"""


@dataclass(frozen=True, slots=True)
class RateState:
    limit: int
    hits: int
    reset_at_ms: int

    @property
    def exceeded(self) -> bool:
        return self.hits > self.limit

    @property
    def remaining(self) -> int:
        return max(self.limit - self.hits, 0)

    def headers(self) -> dict[str, str]:
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(math.ceil(self.reset_at_ms / 1000)),
        }
        if self.exceeded:
            retry = max(0, math.ceil((self.reset_at_ms - time.time() * 1000) / 1000))
            headers["Retry-After"] = str(retry)
        return headers


def hit(key: str, *, limit: int, window_seconds: int) -> RateState:
    with redis_errors_as_503():
        hits, ttl_ms = redis().eval(
            _HIT_SCRIPT, 1, redis_keys.rate_limit(key), int(window_seconds * 1000)
        )
    return RateState(limit=limit, hits=int(hits), reset_at_ms=int(time.time() * 1000 + ttl_ms))


def uncount(key: str) -> None:
    with redis_errors_as_503():
        redis().eval(_UNCOUNT_SCRIPT, 1, redis_keys.rate_limit(key))
