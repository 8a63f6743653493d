"""Body parsing as Express' ``json()``/``urlencoded()`` do it.

* JSON (``application/json``): strict, the top level must be an object or an array; anything
  else, or a syntax error, is ``400 Malformed body``. An empty body is ``{}``.
* Form bodies are parsed (all values strings).
* Any other content type is not read at all: the body is ``{}`` (no 415).
"""

from __future__ import annotations

import json
from typing import Any

from django.http import QueryDict
from rest_framework.parsers import BaseParser, FormParser

from meet.errors import MalformedBodyError


class MeetJSONParser(BaseParser):
    media_type = "application/json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        raw = stream.read() if stream is not None else b""
        if not raw:
            return {}
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as error:
            raise MalformedBodyError() from error
        if not isinstance(data, dict | list):
            raise MalformedBodyError()
        return data


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
