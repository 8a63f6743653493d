"""Twirp wire format: error codes, request decoding and response encoding.

LiveKit's Go server uses twirp v8 with its defaults: a JSON request is parsed with
``protojson`` discarding unknown fields (camelCase and snake_case names both accepted); a JSON
response uses the **proto field names** (snake_case) and emits unpopulated fields; int64 values
are strings and enums are names. Errors are always JSON ``{"code": ..., "msg": ...}``.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message

M = TypeVar("M", bound=Message)

# twirp error code -> HTTP status (twirp spec, "Error codes")
HTTP_STATUS = {
    "canceled": 408,
    "invalid_argument": 400,
    "malformed": 400,
    "deadline_exceeded": 408,
    "not_found": 404,
    "bad_route": 404,
    "already_exists": 409,
    "permission_denied": 403,
    "unauthenticated": 401,
    "resource_exhausted": 429,
    "failed_precondition": 412,
    "aborted": 409,
    "out_of_range": 400,
    "unimplemented": 501,
    "internal": 500,
    "unavailable": 503,
    "dataloss": 500,
    "unknown": 500,
}

JSON = "application/json"
PROTOBUF = "application/protobuf"


class TwirpError(Exception):
    """An error answered as a Twirp JSON error body."""

    def __init__(self, code: str, msg: str, meta: dict[str, str] | None = None) -> None:
        super().__init__(f"{code}: {msg}")
        if code not in HTTP_STATUS:
            raise ValueError(f"unknown twirp error code {code!r}")
        self.code = code
        self.msg = msg
        self.meta = meta or {}

    @property
    def status(self) -> int:
        return HTTP_STATUS[self.code]

    def body(self) -> bytes:
        payload: dict[str, Any] = {"code": self.code, "msg": self.msg}
        if self.meta:
            payload["meta"] = self.meta
        return json.dumps(payload).encode()


def wire_format(content_type: str | None) -> str:
    """``JSON`` or ``PROTOBUF`` for a request Content-Type, else a twirp ``bad_route``."""
    base = (content_type or "").split(";", 1)[0].strip().lower()
    if base == JSON:
        return JSON
    if base in (PROTOBUF, "application/x-protobuf"):
        return PROTOBUF
    raise TwirpError("bad_route", f"unexpected Content-Type: {content_type!r}")


def decode(body: bytes, fmt: str, cls: type[M]) -> M:
    message = cls()
    try:
        if fmt == JSON:
            json_format.Parse(body.decode("utf-8") or "{}", message, ignore_unknown_fields=True)
        else:
            message.ParseFromString(body)
    except (json_format.ParseError, DecodeError, UnicodeDecodeError) as exc:
        kind = "json" if fmt == JSON else "protobuf"
        raise TwirpError("malformed", f"the {kind} request could not be decoded: {exc}") from exc
    return message


def encode(message: Message, fmt: str) -> bytes:
    if fmt == PROTOBUF:
        return message.SerializeToString()
    as_dict = json_format.MessageToDict(
        message, always_print_fields_with_no_presence=True, preserving_proto_field_name=True
    )
    return json.dumps(as_dict, ensure_ascii=False).encode("utf-8")
