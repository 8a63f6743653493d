"""Who may read or delete recordings (api-contract.md §2.10-2.11, §4.9-4.15).

* Without ``?secret=`` every route runs the chain API key, admin access token, recording token.
* ``?secret=`` on a recording or its media switches the chain: the public share secret lets
  anyone in, the private one needs a logged-in user.
* A recording token is limited to its own room (``video.room``) and to its permissions. API-key
  and admin callers are unrestricted; participant tokens are never accepted.
"""

from __future__ import annotations

from typing import Any

from accounts.authentication import (
    admin,
    anonymous,
    api_key,
    chain,
    recording_token,
    run_chain,
    user,
)
from accounts.domain import Principal
from meet.errors import InsufficientPermissionsError
from recordings import selectors
from recordings.domain import RecordingId
from recordings.errors import InvalidRecordingSecretError

RECORDING_VALIDATORS = (api_key, admin, recording_token)
RECORDING_CHAIN = chain(*RECORDING_VALIDATORS)


def authenticate_reader(request: Any, recording_id: RecordingId, secret: str | None) -> Principal:
    """The chain of ``GET /recordings/{id}`` and ``/media``, chosen by ``?secret=`` (§2.11).
    Runs after the request was validated, as in the reference."""
    if not secret:
        return run_chain(request, RECORDING_VALIDATORS)
    secrets = selectors.get_recording_secrets(recording_id)
    if secret == secrets.public:
        return run_chain(request, (anonymous,))
    if secret == secrets.private:
        return run_chain(request, (user,))
    raise InvalidRecordingSecretError(secret, str(recording_id))


def token_room(principal: Principal) -> str | None:
    """The room a recording token is limited to; ``None`` for unrestricted callers."""
    if principal.kind != "recording":
        return None
    if principal.room_id is None:  # a token without a room opens nothing
        raise InsufficientPermissionsError()
    return principal.room_id


def _check(principal: Principal, permission: str, room_id: str | None) -> None:
    room = token_room(principal)
    if room is None:
        return
    permissions = principal.metadata["recordingPermissions"]
    if (room_id is not None and room_id != room) or not permissions[permission]:
        raise InsufficientPermissionsError()


def check_can_retrieve(principal: Principal, room_id: str | None = None) -> None:
    """A recording token needs ``canRetrieveRecordings`` and, for one recording, its room."""
    _check(principal, "canRetrieveRecordings", room_id)


def check_can_delete(principal: Principal, room_id: str | None = None) -> None:
    """A recording token needs ``canDeleteRecordings`` and, for one recording, its room."""
    _check(principal, "canDeleteRecordings", room_id)
