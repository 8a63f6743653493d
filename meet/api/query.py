"""Query strings as Express (``qs``, extended) parses them, and JavaScript's ``Number()``."""

from __future__ import annotations

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
