"""JWTs exactly as the reference mints them: LiveKit access tokens (livekit-server-sdk 2.13).

Header ``{"alg":"HS256"}`` (no ``typ``), signed with ``LIVEKIT_API_SECRET``; claims in the
order ``metadata, name, video, iss, exp, nbf, sub``; ``nbf`` is 0; no ``iat``/``jti``.
Verification checks the signature, ``iss == LIVEKIT_API_KEY`` and ``exp``/``nbf`` with zero
leeway, and refuses a token without ``exp``. Unlike the reference, the kinds are told apart by
the shape of their claims, which both servers mint identically (docs/compatibility.md): a user
session token (access or refresh) carries no LiveKit ``video`` grant and its ``metadata`` is
``{"roles": [system roles]}``; participant and recording tokens always carry a ``video`` grant
and metadata of their own shape. So tokens issued by a reference deployment keep working after
a swap, and a participant token (whose ``sub`` the participant chooses) is never a login.
"""

from __future__ import annotations

import json
import time
from typing import Any, TypeGuard

import jwt
from django.conf import settings

from accounts.errors import InvalidTokenError

PARTICIPANT_ROLES = ("moderator", "speaker")


def issue_token(
    *,
    ttl_seconds: int,
    metadata: dict[str, Any],
    identity: str | None = None,
    name: str | None = None,
    video: dict[str, Any] | None = None,
) -> str:
    claims: dict[str, Any] = {"metadata": json.dumps(metadata, separators=(",", ":"))}
    if name is not None:
        claims["name"] = name
    if video is not None:
        claims["video"] = video
    claims["iss"] = settings.LIVEKIT_API_KEY
    claims["exp"] = int(time.time()) + ttl_seconds
    claims["nbf"] = 0
    if identity:
        claims["sub"] = identity
    return jwt.encode(claims, settings.LIVEKIT_API_SECRET, algorithm="HS256", headers={"typ": None})


class ExpiredTokenError(InvalidTokenError):
    """A genuine token (signature, issuer and claims verify) whose ``exp`` has passed;
    ``claims`` are its verified claims."""

    def __init__(self, claims: dict[str, Any]) -> None:
        super().__init__()
        self.claims = claims


def verify_token(token: str) -> dict[str, Any]:
    """The verified claims; ``InvalidTokenError`` for anything that does not verify
    (``ExpiredTokenError`` when the only fault is that it expired)."""
    try:
        return _decode(token, verify_exp=True)
    except jwt.ExpiredSignatureError as error:
        raise ExpiredTokenError(_decode(token, verify_exp=False)) from error
    except (jwt.PyJWTError, ValueError, TypeError) as error:
        raise InvalidTokenError() from error


def _decode(token: str, *, verify_exp: bool) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(
        token,
        settings.LIVEKIT_API_SECRET,
        algorithms=["HS256"],
        issuer=settings.LIVEKIT_API_KEY,
        leeway=0,
        options={"require": ["iss", "exp"], "verify_aud": False, "verify_exp": verify_exp},
    )
    return claims


# Metadata keys of participant (``livekitUrl``, ``selectedRole``) and recording (``role``,
# ``recordingPermissions``) tokens; a session token has none of them.
_NOT_SESSION_METADATA_KEYS = ("livekitUrl", "selectedRole", "role", "recordingPermissions")


def is_session_token(claims: dict[str, Any]) -> bool:
    """An access or refresh token, as both servers mint them: no ``video`` grant and metadata
    ``{"roles": ["admin", "user"]}``."""
    if "video" in claims:
        return False
    metadata = parse_metadata(claims)
    if not isinstance(metadata, dict):
        return False
    roles = metadata.get("roles")
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        return False
    return not any(key in metadata for key in _NOT_SESSION_METADATA_KEYS)


def verify_session_token(token: str) -> dict[str, Any]:
    """The verified claims of a user session token; ``InvalidTokenError`` for any other kind."""
    claims = verify_token(token)
    if not is_session_token(claims):
        raise InvalidTokenError()
    return claims


def token_room(claims: dict[str, Any]) -> str | None:
    """The room of a participant or recording token (its ``video.room`` grant)."""
    video = claims.get("video")
    room = video.get("room") if isinstance(video, dict) else None
    return room if isinstance(room, str) else None


def parse_metadata(claims: dict[str, Any]) -> Any:
    raw = claims.get("metadata")
    if not isinstance(raw, str):
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def valid_participant_metadata(metadata: Any) -> TypeGuard[dict[str, Any]]:
    if not isinstance(metadata, dict):
        return False
    url = metadata.get("livekitUrl")
    if not isinstance(url, str) or "://" not in url:
        return False
    roles = metadata.get("roles")
    if not isinstance(roles, list):
        return False
    for item in roles:
        if not isinstance(item, dict) or item.get("role") not in PARTICIPANT_ROLES:
            return False
        permissions = item.get("permissions")
        if not isinstance(permissions, dict) or not all(
            isinstance(permissions.get(name), bool)
            for name in ("canRecord", "canChat", "canChangeVirtualBackground")
        ):
            return False
    return metadata.get("selectedRole") in PARTICIPANT_ROLES
