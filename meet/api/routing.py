"""Express-style routes: case-insensitive, one optional trailing slash, ``<param>``s."""

from __future__ import annotations

import re
from typing import Any

from django.urls import URLPattern, URLResolver
from django.urls.resolvers import RegexPattern


class _IgnoreCaseRegex:
    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        compiled = re.compile(str(instance._regex), re.IGNORECASE)
        instance.__dict__["regex"] = compiled
        return compiled


class CaseInsensitivePattern(RegexPattern):
    """Express matches paths case-insensitively; Django's ``RegexPattern`` has no flags."""

    regex = _IgnoreCaseRegex()


def route(template: str, view: Any, name: str | None = None) -> URLPattern:
    """An Express-style route: case-insensitive, one optional trailing slash, ``<param>``s.

    ``route("rooms/<roomId>/config", View)`` matches ``/ROOMS/abc/config/`` with
    ``roomId="abc"``.
    """
    parts = re.split(r"<(\w+)>", template)
    regex = ""
    for index, part in enumerate(parts):
        regex += _escape(part) if index % 2 == 0 else f"(?P<{part}>[^/]+)"
    return URLPattern(
        CaseInsensitivePattern(rf"^{regex}/?$", name=name, is_endpoint=True), view, name=name
    )


def re_route(regex: str, view: Any, name: str | None = None) -> URLPattern:
    """A case-insensitive ``re_path``. Unlike an inline ``(?i:...)`` flag it stays reversible,
    which ``reverse()`` needs for every pattern of the URLconf (the console reverses its own)."""
    return URLPattern(CaseInsensitivePattern(regex, name=name, is_endpoint=True), view, name=name)


def mount(prefix: str, patterns: list[Any]) -> URLResolver:
    """Include ``patterns`` under ``prefix`` (e.g. ``api/v1/``), case-insensitively."""
    return URLResolver(CaseInsensitivePattern(rf"^{_escape(prefix)}"), patterns)


def _escape(text: str) -> str:
    """Escape regex specials but keep ``-`` and ``/`` readable (the schema shows the regex)."""
    return re.sub(r"([.^$*+?{}\[\]\\|()])", r"\\\1", text)
