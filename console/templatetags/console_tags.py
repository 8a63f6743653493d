"""Template filters of the console: epoch-millisecond dates, durations and ages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

register = template.Library()


@register.filter
def ms_datetime(value: Any) -> dt.datetime | None:
    """Epoch milliseconds (as stored) → aware UTC datetime."""
    if value in (None, ""):
        return None
    try:
        return dt.datetime.fromtimestamp(float(value) / 1000, tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


@register.filter
def duration(seconds: Any) -> str:
    """Seconds → ``1h 02m 03s`` / ``2m 03s`` / ``4.2s``."""
    if seconds in (None, ""):
        return "—"
    total = float(seconds)
    if total < 60:
        return f"{total:.1f}s"
    whole = round(total)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h {minutes:02d}m {secs:02d}s" if hours else f"{minutes}m {secs:02d}s"


@register.filter
def age(seconds: Any) -> str:
    """Seconds → ``45 s`` / ``12 min`` / ``3 h 05 min`` / ``2 d 4 h``."""
    total = int(float(seconds or 0))
    if total < 60:
        return f"{total} s"
    if total < 3600:
        return f"{total // 60} min"
    if total < 86400:
        return f"{total // 3600} h {total % 3600 // 60:02d} min"
    return f"{total // 86400} d {total % 86400 // 3600} h"


@register.filter
def masked_key(key: str) -> str:
    """An API key with its middle hidden."""
    return f"{key[:11]}…{key[-4:]}" if len(key) > 16 else "…"


@register.inclusion_tag("console/_time.html")
def when(value: Any) -> dict[str, Any]:
    """A ``<time>`` of an epoch-ms date, in UTC; console.js shows it in local time."""
    return {"moment": ms_datetime(value)}


@register.filter
def words(value: Any) -> str:
    """``active_meeting`` → ``active meeting``."""
    return str(value).replace("_", " ")


@register.filter
def field(form: Any, name: str) -> Any:
    """``form|field:name``: the bound field called ``name``."""
    return form[name]


@register.filter
def milliseconds(seconds: Any) -> str:
    """Seconds → ``0.8 ms`` / ``12 ms`` / ``1.25 s``; ``—`` when unknown."""
    if seconds in (None, ""):
        return "—"
    value = float(seconds)
    if value >= 1:
        return f"{value:.2f} s"
    millis = value * 1000
    return f"{millis:.1f} ms" if millis < 10 else f"{millis:.0f} ms"
