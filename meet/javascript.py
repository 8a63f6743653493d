"""JavaScript's number semantics, where the wire must read as the reference's Node server wrote it.

* ``number`` / ``numbers``: a double as ``JSON.stringify`` writes it (whole values without
  ``.0``), for one value or every value of a JSON document;
* ``parse_number``: ``Number(text)`` for a query-string value;
* ``template_string``: ``${value}`` for a value parsed from a JSON body.
"""

from __future__ import annotations

import math
import re
from typing import Any

UNDEFINED: Any = object()  # a JSON body without the key (JavaScript ``undefined``)

_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?")


def number(value: float) -> float | int:
    """A double as ``JSON.stringify`` writes it: integral values without ``.0``."""
    return int(value) if float(value).is_integer() and abs(value) < 2**63 else value


class Settled(dict[str, Any]):
    """A JSON object whose numbers ``numbers`` has already settled: it is returned as it is
    (a remembered body, ``meet.api.output.RenderMemo``, is not walked on every response)."""


def numbers(data: Any) -> Any:
    """Whole floats as ints in a JSON document, since ``JSON.stringify(5.0)`` is ``5``."""
    if data.__class__ is Settled:
        return data
    if isinstance(data, float) and data.is_integer() and abs(data) < 1e21:
        return int(data)
    if isinstance(data, dict):
        return {key: numbers(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [numbers(value) for value in data]
    return data


def parse_number(value: str) -> float:
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
    if not _DECIMAL.fullmatch(lowered):
        return math.nan
    return float(text)


def template_string(value: Any) -> str:
    """``${value}`` in JavaScript, for a value parsed from a JSON body."""
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ",".join("" if item is None else template_string(item) for item in value)
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)
