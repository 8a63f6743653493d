"""Body parsing as Express' ``json()``/``urlencoded()`` do it.

* JSON (``application/json``): strict, the top level must be an object or an array; anything
  else, or a syntax error, is ``400 Malformed body``. An empty body is ``{}``. Also malformed
  here (docs/compatibility.md): ``NaN``/``Infinity`` literals (``JSON.parse`` refuses them
  too), numbers that overflow to infinity (``1e400``), strings with lone UTF-16 surrogates
  (``"\ud83d"``: not text), and nesting deeper than ``REQUEST_JSON_MAX_DEPTH``.
* Form bodies are parsed (all values strings).
* Any other content type is not read at all: the body is ``{}`` (no 415).
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

from django.conf import settings
from django.http import QueryDict
from rest_framework.parsers import BaseParser, FormParser

from meet.errors import MalformedBodyError


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text} does not fit a number")
    return value


def _finite_int(text: str) -> int:
    value = int(text)
    if abs(value) > sys.float_info.max:  # JSON.parse reads it as Infinity
        raise ValueError(f"{text[:20]}... does not fit a number")
    return value


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def _acceptable(data: Any, max_depth: int) -> bool:
    """Nesting within ``max_depth`` and every string (keys too) real text; no recursion."""
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            if depth > max_depth:
                return False
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and not _is_text(key):
                    return False
                pending.append((item, depth + 1))
        elif isinstance(value, str) and not _is_text(value):
            return False
    return True


def load_request_json(raw: bytes | str) -> Any:
    """The body as ``JSON.parse`` would read it, or ``MalformedBodyError``."""
    try:
        data = json.loads(
            raw, parse_constant=_refuse_constant, parse_float=_finite_float, parse_int=_finite_int
        )
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise MalformedBodyError() from error
    if not isinstance(data, dict | list) or not _acceptable(data, settings.REQUEST_JSON_MAX_DEPTH):
        raise MalformedBodyError()
    return data


class MeetJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        raw = stream.read() if stream is not None else b""
        if not raw:
            return {}
        return load_request_json(raw)


class MeetFormParser(FormParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        if isinstance(data, QueryDict):
            return {key: values[-1] if len(values) == 1 else values for key, values in data.lists()}
        return data


class IgnoredBodyParser(BaseParser):
    """Matches every other media type and ignores the body, as Express does."""

    media_type = "*/*"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        return {}
