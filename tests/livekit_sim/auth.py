"""LiveKit API authentication: Bearer access tokens in, signed webhook tokens out.

A server API call carries ``Authorization: Bearer <JWT>``: HS256 with the API secret, ``iss`` =
API key, ``exp``/``nbf`` checked with LiveKit's 60 s leeway, and a ``video`` grant object whose
camelCase flags are checked per method (``roomCreate``, ``roomList``, ``roomAdmin`` + ``room``,
``roomRecord``).
"""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass
from typing import Any

import jwt

from tests.livekit_sim.twirp import TwirpError

LEEWAY_SECONDS = 60
WEBHOOK_TOKEN_TTL = 300  # seconds, like LiveKit's webhook notifier (5 min)

# the grant that each method needs; "admin" also needs video.room == request.room
CREATE, LIST, ADMIN, RECORD = "create", "list", "admin", "record"


@dataclass(frozen=True)
class Grants:
    video: dict[str, Any]

    def flag(self, name: str) -> bool:
        return bool(self.video.get(name))

    @property
    def room(self) -> str:
        return str(self.video.get("room") or "")


def verify_bearer(header: str | None, api_key: str, api_secret: str) -> Grants:
    """Decode an ``Authorization`` header or raise a twirp ``unauthenticated`` error."""
    if not header:
        raise TwirpError("unauthenticated", "permissions denied")
    if not header.startswith("Bearer "):
        raise TwirpError("unauthenticated", "invalid authorization header. Must start with Bearer ")
    token = header[len("Bearer ") :].strip()
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise TwirpError("unauthenticated", "invalid authorization token") from exc
    if unverified.get("iss") != api_key:
        raise TwirpError("unauthenticated", "invalid API key")
    try:
        claims = jwt.decode(
            token,
            api_secret,
            algorithms=["HS256"],
            issuer=api_key,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp"]},
        )
    except jwt.PyJWTError as exc:
        raise TwirpError("unauthenticated", f"invalid authorization token: {exc}") from exc
    video = claims.get("video") or {}
    if not isinstance(video, dict):
        raise TwirpError("unauthenticated", "invalid authorization token")
    return Grants(video=video)


def ensure_grant(grants: Grants, need: str, room: str = "", *, denied_code: str) -> None:
    """Raise ``denied_code`` (``permission_denied`` by default) when the grant is missing."""
    if need == CREATE:
        ok = grants.flag("roomCreate")
    elif need == LIST:
        ok = grants.flag("roomList") or grants.flag("roomCreate")
    elif need == ADMIN:
        ok = grants.flag("roomAdmin") and grants.room == room
    elif need == RECORD:
        ok = grants.flag("roomRecord")
    else:  # pragma: no cover - programming error
        raise ValueError(need)
    if not ok:
        raise TwirpError(denied_code, "permissions denied")


def webhook_token(body: bytes, api_key: str, api_secret: str) -> str:
    """The bare JWT LiveKit puts in a webhook's ``Authorization`` header."""
    now = int(time.time())
    claims = {
        "iss": api_key,
        "nbf": now,
        "exp": now + WEBHOOK_TOKEN_TTL,
        "sha256": base64.b64encode(hashlib.sha256(body).digest()).decode(),
    }
    return jwt.encode(claims, api_secret, algorithm="HS256")
