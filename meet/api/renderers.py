from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer, JSONRenderer

from meet import javascript


class MeetJSONRenderer(JSONRenderer):
    """Compact UTF-8 JSON with ``Content-Type: application/json; charset=utf-8``."""

    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> bytes:
        # ``JSON.stringify(5.0)`` is ``5``: whole floats (e.g. an echoed ``autoDeletionDate``
        # sent as ``1.7e12``) leave without ``.0``, as stored documents do.
        return super().render(javascript.numbers(data), accepted_media_type, renderer_context)


class AlwaysJSONNegotiation(BaseContentNegotiation):
    """The reference answers JSON whatever the ``Accept`` header says (no 406)."""

    def select_parser(self, request: Any, parsers: Iterable[BaseParser]) -> Any:
        parsers = list(parsers)
        content_type = request.content_type or ""
        for parser in parsers:
            if parser.media_type != "*/*" and content_type.split(";")[0].strip().lower() == (
                parser.media_type
            ):
                return parser
        return parsers[-1] if parsers else None

    def select_renderer(
        self, request: Any, renderers: Iterable[BaseRenderer], format_suffix: Any = None
    ) -> Any:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type
