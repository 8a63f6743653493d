"""System checks: printed by ``manage.py check`` and, once per start, by ``init_storage``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Warning, register

# PyJWT's threshold for HMAC-SHA256 keys (RFC 7518, section 3.2).
MIN_SECRET_BYTES = 32


@register()
def livekit_secret_length(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """A short ``LIVEKIT_API_SECRET`` signs every token: say so once, plainly. Not in demo mode,
    where the simulator's ``devkey``/``secret`` pair is expected and the demo banner says more."""
    secret = settings.LIVEKIT_API_SECRET
    if settings.MEET_DEMO_MODE or len(secret.encode()) >= MIN_SECRET_BYTES:
        return []
    return [
        Warning(
            f"LIVEKIT_API_SECRET is {len(secret.encode())} bytes long: tokens signed with it "
            f"are easy to forge (use at least {MIN_SECRET_BYTES} random bytes, the same in "
            "LiveKit's configuration).",
            id="meet.W001",
        )
    ]


@register()
def metrics_protection(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """``/metrics`` enabled with neither a token nor a restricted network: anyone who reaches
    the server reads its traffic, inventory and dependency health (docs/metrics.md)."""
    open_to_everyone = any(
        network.prefixlen == 0 for network in settings.MEET_METRICS_ALLOWED_NETWORKS
    )
    if not settings.MEET_METRICS_ENABLED or settings.MEET_METRICS_TOKEN or not open_to_everyone:
        return []
    return [
        Warning(
            "MEET_METRICS_ENABLED is on with no MEET_METRICS_TOKEN and "
            "MEET_METRICS_ALLOWED_NETWORKS open to every address: anyone who reaches the server "
            "can read /metrics (set a token, or restrict the networks to your Prometheus).",
            id="meet.W033",
        )
    ]
