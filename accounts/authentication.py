"""The reference's authentication chain ("withAuth", api-contract.md §2.4).

A route declares an ordered list of validators. The first that succeeds authorises the request.
A validator that fails either *continues* (raises ``Continue``; the next one runs) or *stops*
(raises the ``MeetError`` itself). When none succeeds, the error of the last validator that ran
is returned.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from rest_framework.authentication import BaseAuthentication

from accounts import services
from accounts.domain import (
    ANONYMOUS,
    API_USER,
    AuthTransportMode,
    NamedApiKey,
    Principal,
    UserRole,
)
from accounts.errors import (
    InvalidApiKeyError,
    InvalidParticipantTokenError,
    InvalidRecordingTokenError,
    InvalidTokenError,
    InvalidTokenSubjectError,
    NoApiKeysError,
    NoParticipantRoleError,
    UnauthorizedError,
)
from accounts.tokens import (
    PARTICIPANT_ROLES,
    parse_metadata,
    valid_participant_metadata,
    verify_session_token,
    verify_token,
)
from audit.domain import Actor, ActorKind
from meet.errors import InsufficientPermissionsError, MeetError
from meet.http import client_ip

logger = logging.getLogger(__name__)


class Continue(Exception):  # noqa: N818 - control flow, not an error
    def __init__(self, error: MeetError) -> None:
        super().__init__(error.message)
        self.error = error


Validator = Callable[[Any], Principal]


# --- Reading credentials ----------------------------------------------------------------------


def transport_mode(request: Any) -> str:
    """The global ``authTransportMode``, read once per request (header mode if unreadable)."""
    cached = getattr(request, "_meet_transport_mode", None)
    if cached is None:
        try:
            cached = services.get_global_config().authentication.auth_transport_mode
        except Exception as error:  # the reference assumes header mode on any failure
            logger.warning("Could not read the global config, assuming header mode: %s", error)
            cached = AuthTransportMode.HEADER
        request._meet_transport_mode = cached
    return str(cached)


def _bearer(request: Any, header: str) -> str | None:
    value = request.META.get(header, "")
    if value.startswith("Bearer "):
        return str(value[len("Bearer ") :]) or None
    return None


def _query(request: Any, name: str) -> str | None:
    params = getattr(request, "query_params", None) or request.GET
    value = params.get(name)
    return value if isinstance(value, str) and value else None


def read_access_token(request: Any) -> str | None:
    if transport_mode(request) == AuthTransportMode.COOKIE:
        return request.COOKIES.get(settings.ACCESS_TOKEN_COOKIE) or None
    return _bearer(request, "HTTP_AUTHORIZATION") or _query(request, "accessToken")


def read_refresh_token(request: Any) -> str | None:
    if transport_mode(request) == AuthTransportMode.COOKIE:
        return request.COOKIES.get(settings.REFRESH_TOKEN_COOKIE) or None
    return _bearer(request, "HTTP_X_REFRESH_TOKEN")


def read_participant_token(request: Any) -> str | None:
    if transport_mode(request) == AuthTransportMode.COOKIE:
        return request.COOKIES.get(settings.PARTICIPANT_TOKEN_COOKIE) or None
    return _bearer(request, "HTTP_X_PARTICIPANT_TOKEN")


def read_recording_token(request: Any) -> str | None:
    if transport_mode(request) == AuthTransportMode.COOKIE:
        return request.COOKIES.get(settings.RECORDING_TOKEN_COOKIE) or None
    return _bearer(request, "HTTP_X_RECORDING_TOKEN") or _query(request, "recordingToken")


# --- Validators -------------------------------------------------------------------------------


def api_key(request: Any) -> Principal:
    """The reference's key (every scope, checked first and without a Redis round trip while
    the process holds its copy) or a named ``ovmk_`` key, limited to its scopes."""
    candidate = request.META.get("HTTP_X_API_KEY", "")
    if not candidate:
        raise Continue(UnauthorizedError())
    try:
        matched = services.find_api_key(candidate)
    except MeetError as error:
        logger.warning("Could not read API keys: %s", error)
        matched = None
    if matched:
        return API_USER
    named = _named_api_key(candidate)
    if named is not None:
        principal = Principal(
            kind="api_key",
            username="api-user",
            roles=API_USER.roles,
            key_name=named.name,
            api_key_scopes=named.scopes,
        )
        check_api_key_scopes(request, principal)
        services.touch_named_api_key(named.key_id)
        return principal
    if matched is None and not _has_named_api_keys():
        raise NoApiKeysError()
    raise InvalidApiKeyError()


def _named_api_key(candidate: str) -> NamedApiKey | None:
    try:
        return services.find_named_api_key(candidate)
    except MeetError as error:
        logger.warning("Could not read the named API keys: %s", error)
        return None


def _has_named_api_keys() -> bool:
    try:
        return bool(services.list_named_api_keys())
    except MeetError:
        return False


def required_scopes(view: Any, method: str) -> tuple[str, ...]:
    """What ``view`` declares a key needs for ``method`` (``api_key_scopes``); empty when it
    declares nothing, which no named key satisfies (fail closed). HEAD/OPTIONS are reads."""
    declared = getattr(view, "api_key_scopes", None)
    if not isinstance(declared, dict):
        return ()
    method = method.upper()
    if method in ("HEAD", "OPTIONS"):
        method = "GET"
    scopes = declared.get(method)
    return tuple(scopes) if isinstance(scopes, tuple | list) else ()


def check_api_key_scopes(request: Any, principal: Principal) -> None:
    """403 unless the principal's key holds every scope the view requires for the method.

    The one place scopes are enforced: the ``api_key`` validator calls it for a named key,
    whichever chain (a view's classes or a handler's ``run_chain``) ran it. The reference's
    key (``api_key_scopes`` None) holds every scope."""
    if principal.kind != "api_key" or principal.api_key_scopes is None:
        return
    view = (getattr(request, "parser_context", None) or {}).get("view")
    required = required_scopes(view, str(getattr(request, "method", "") or ""))
    if not required or not set(required) <= set(principal.api_key_scopes):
        raise InsufficientPermissionsError()


def _user_from_access_token(token: str) -> Principal:
    claims = verify_session_token(token)  # a participant token is never a login
    user = services.find_user(str(claims.get("sub") or ""))
    if user is None:
        raise InvalidTokenSubjectError()
    return Principal(kind="user", username=user.username, roles=user.roles, claims=claims)


def access_token(role: str) -> Validator:
    def validate(request: Any) -> Principal:
        token = read_access_token(request)
        if not token:
            raise Continue(UnauthorizedError())
        principal = _user_from_access_token(token)
        if role not in principal.roles:
            raise Continue(InsufficientPermissionsError())
        return principal

    validate.__name__ = f"access_token_{role}"
    return validate


admin = access_token(UserRole.ADMIN)
user = access_token(UserRole.USER)


def participant_token(request: Any) -> Principal:
    token = read_participant_token(request)
    if not token:
        raise Continue(UnauthorizedError())
    claims = verify_token(token)
    role = request.META.get("HTTP_X_PARTICIPANT_ROLE", "")
    if role not in PARTICIPANT_ROLES:
        raise NoParticipantRoleError()
    metadata = parse_metadata(claims)
    if not valid_participant_metadata(metadata):
        raise InvalidParticipantTokenError()
    if role not in [item["role"] for item in metadata["roles"]]:
        raise InsufficientPermissionsError()
    return Principal(
        kind="participant",
        username=str(claims.get("sub") or claims.get("name") or ""),
        roles=(),
        claims={**claims, "_metadata": metadata},
        selected_role=role,
    )


def _valid_recording_metadata(metadata: Any) -> bool:
    if not isinstance(metadata, dict) or metadata.get("role") not in PARTICIPANT_ROLES:
        return False
    permissions = metadata.get("recordingPermissions")
    return isinstance(permissions, dict) and all(
        isinstance(permissions.get(name), bool)
        for name in ("canRetrieveRecordings", "canDeleteRecordings")
    )


def recording_token(request: Any) -> Principal:
    token = read_recording_token(request)
    if not token:
        raise Continue(UnauthorizedError())
    claims = verify_token(token)
    metadata = parse_metadata(claims)
    if not _valid_recording_metadata(metadata):
        raise InvalidRecordingTokenError()
    return Principal(
        kind="recording", username="", roles=(), claims={**claims, "_metadata": metadata}
    )


def anonymous(request: Any) -> Principal:
    token = read_access_token(request)
    if token:
        try:
            return _user_from_access_token(token)
        except (InvalidTokenError, InvalidTokenSubjectError):
            pass
    return ANONYMOUS


def run_chain(request: Any, validators: tuple[Validator, ...]) -> Principal:
    last_error: MeetError = UnauthorizedError()
    for validator in validators:
        try:
            return validator(request)
        except Continue as outcome:
            last_error = outcome.error
    raise last_error


class ChainAuthentication(BaseAuthentication):
    validators: tuple[Validator, ...] = ()

    def authenticate(self, request: Any) -> tuple[Principal, None]:
        return run_chain(request, self.validators), None

    def authenticate_header(self, request: Any) -> str:
        return "Bearer"


def chain(*validators: Validator) -> list[type[ChainAuthentication]]:
    """``authentication_classes = chain(api_key, admin)``."""
    name = "Chain_" + "_".join(validator.__name__ for validator in validators)
    return [type(name, (ChainAuthentication,), {"validators": validators})]


def principal_of(request: Any) -> Principal:
    """``request.user`` as what every authenticator here sets: a ``Principal``."""
    user = request.user
    if not isinstance(user, Principal):
        raise TypeError(f"request.user is {type(user).__name__}, not a Principal")
    return user


_ACTOR_KINDS = {
    "api_key": ActorKind.API_KEY,
    "user": ActorKind.USER,
    "participant": ActorKind.PARTICIPANT,
    "recording": ActorKind.PARTICIPANT,
}


def actor_of(request: Any) -> Actor:
    """Who the audit log says acted: the request's principal and the client's address."""
    user = getattr(request, "user", None)
    ip = client_ip(request)
    if not isinstance(user, Principal) or user.kind not in _ACTOR_KINDS:
        return Actor(kind=ActorKind.ANONYMOUS, ip=ip)
    kind = _ACTOR_KINDS[user.kind]
    if kind is ActorKind.API_KEY:
        return Actor(kind=kind, name=user.key_name, ip=ip)
    if kind is ActorKind.PARTICIPANT:
        metadata = user.metadata if isinstance(user.metadata, dict) else {}
        role = user.selected_role or str(metadata.get("role") or "")
        return Actor(kind=kind, name=user.username, role=role, ip=ip)
    return Actor(kind=kind, name=user.username, role=",".join(user.roles), ip=ip)
