"""Query strings as Express (``qs``, extended) parses them, and JavaScript's ``Number()``."""

from __future__ import annotations

import math
import re
from typing import Any

_BRACKETS = re.compile(r"^([^\[\]]+)\[([^\[\]]*)\]$")


def query_params(request: Any) -> dict[str, Any]:
    """``a=1`` → ``"1"``; ``a=1&a=2`` or ``a[]=1`` → a list; ``a[k]=v`` → ``{"k": "v"}``."""
    params = getattr(request, "query_params", None) or request.GET
    result: dict[str, Any] = {}
    for key, values in params.lists():
        match = _BRACKETS.match(key)
        if match:
            name, inner = match.groups()
            if inner == "" or inner.isdigit():  # a[]=x and a[0]=x are arrays in qs
                existing = result.get(name)
                items = (
                    existing
                    if isinstance(existing, list)
                    else ([] if existing is None else [existing])
                )
                result[name] = [*items, *values]
            else:
                existing = result.get(name)
                mapping = existing if isinstance(existing, dict) else {}
                mapping[inner] = values[-1] if len(values) == 1 else values
                result[name] = mapping
            continue
        result[key] = values[0] if len(values) == 1 else list(values)
    return result


def js_number(value: str) -> float:
    """``Number(value)`` for a string: trimmed; empty → 0; hex/octal/binary prefixes; else NaN."""
    text = value.strip()
    if text == "":
        return 0.0
    lowered = text.lower()
    for prefix, base in (("0x", 16), ("0o", 8), ("0b", 2)):
        if lowered.startswith(prefix):
            try:
                return float(int(text[2:], base))
            except ValueError:
                return math.nan
    if lowered in ("infinity", "+infinity"):
        return math.inf
    if lowered == "-infinity":
        return -math.inf
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?", lowered):
        return math.nan
    return float(text)
