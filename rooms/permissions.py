"""Room-scoped checks that follow authentication (api-contract.md §4.4, §5.4)."""

from __future__ import annotations

from accounts.domain import Principal
from meet.errors import InsufficientPermissionsError


def check_room_scope(principal: Principal, room_id: str) -> None:
    """A participant token only opens its own room (API key and admin are unrestricted)."""
    if principal.kind == "participant" and principal.room_id != room_id:
        raise InsufficientPermissionsError()


def check_moderator(principal: Principal, room_id: str) -> None:
    """Meeting actions: the token's room, with ``X-Participant-Role: moderator``."""
    if principal.room_id != room_id or principal.selected_role != "moderator":
        raise InsufficientPermissionsError()


def is_speaker(principal: Principal) -> bool:
    return principal.kind == "participant" and principal.selected_role == "speaker"


def require_room_access(request: object, role: str) -> None:
    """``authModeToAccessRoom`` (§2.9): who must be logged in to join with ``role``."""
    from accounts import services as accounts_services
    from accounts.authentication import run_chain, user

    mode = accounts_services.get_global_config().authentication.auth_mode_to_access_room
    if mode == "all_users" or (mode == "moderators_only" and role == "moderator"):
        run_chain(request, (user,))
