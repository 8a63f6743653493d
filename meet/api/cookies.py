"""Cookies as Express' ``res.cookie`` writes them, including ``Partitioned``.

Python 3.11's ``http.cookies`` knows no ``Partitioned`` attribute, so the header value is
built here and handed to Django as a ready-made ``Morsel``.
"""

from __future__ import annotations

import time
from email.utils import formatdate
from http.cookies import Morsel
from typing import Any

from rest_framework.response import Response

from meet.api.output import TokenSerializer


class _RawMorsel(Morsel):
    def __init__(self, name: str, value: str, header_value: str) -> None:
        super().__init__()
        self.set(name, value, value)
        self._header_value = header_value

    def OutputString(self, attrs: Any = None) -> str:  # noqa: N802 - Morsel's API
        return self._header_value


def set_token_cookie(
    response: Any, name: str, value: str, *, path: str, max_age: int | None
) -> None:
    parts = [f"{name}={value}"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    parts.append(f"Path={path}")
    if max_age is not None:
        parts.append(f"Expires={formatdate(time.time() + max_age, usegmt=True)}")
    parts.extend(["HttpOnly", "Secure", "Partitioned", "SameSite=None"])
    response.cookies[name] = _RawMorsel(name, value, "; ".join(parts))


def clear_cookie(response: Any, name: str, *, path: str) -> None:
    response.cookies[name] = _RawMorsel(
        name, "", f"{name}=; Path={path}; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
    )


def token_response(token: str, *, cookie: str, max_age: int | None, in_cookie: bool) -> Response:
    """``{"token": ...}``, also set as the ``cookie`` when tokens travel in cookies."""
    response = Response(TokenSerializer({"token": token}).data)
    if in_cookie:
        set_token_cookie(response, cookie, token, path="/", max_age=max_age)
    return response
