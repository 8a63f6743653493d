from __future__ import annotations

from meet.errors import AuthenticationError, AuthorizationError, MeetError


class UnauthorizedError(AuthenticationError):
    def __init__(self) -> None:
        super().__init__("Unauthorized")


class InvalidTokenError(AuthenticationError):
    def __init__(self) -> None:
        super().__init__("Invalid token")


class InvalidApiKeyError(AuthenticationError):
    def __init__(self) -> None:
        super().__init__("Invalid API key")


class NoApiKeysError(AuthenticationError):
    def __init__(self) -> None:
        super().__init__(
            "There are no API keys configured yet. Please, create one to access the API"
        )


class InvalidTokenSubjectError(AuthorizationError):
    def __init__(self) -> None:
        super().__init__("Invalid token subject")


class InvalidCredentialsError(MeetError):
    status_code = 404
    error = "Login Error"

    def __init__(self) -> None:
        super().__init__("Invalid username or password")


class InvalidCurrentPasswordError(MeetError):
    status_code = 400
    error = "Change Password Error"

    def __init__(self) -> None:
        super().__init__("Invalid current password")


class RefreshTokenError(MeetError):
    status_code = 400
    error = "Refresh Token Error"


class NoRefreshTokenError(RefreshTokenError):
    def __init__(self) -> None:
        super().__init__("No refresh token provided")


class InvalidRefreshTokenError(RefreshTokenError):
    def __init__(self) -> None:
        super().__init__("Invalid refresh token")


class ParticipantError(MeetError):
    status_code = 400
    error = "Participant Error"


class NoParticipantRoleError(ParticipantError):
    def __init__(self) -> None:
        super().__init__("No valid participant role provided")


class InvalidParticipantTokenError(ParticipantError):
    def __init__(self) -> None:
        super().__init__("Invalid participant token")


class InvalidRecordingTokenError(MeetError):
    status_code = 400
    error = "Recording"

    def __init__(self) -> None:
        super().__init__("Invalid recording token")


class UserNotFoundError(MeetError):
    status_code = 404
    error = "User Error"

    def __init__(self, username: str) -> None:
        super().__init__(f"User '{username}' not found")


class ApiKeyError(MeetError):
    """Named (scoped) API keys: not in the reference."""

    error = "API Key Error"


class ApiKeyNotFoundError(ApiKeyError):
    status_code = 404

    def __init__(self, key_id: str) -> None:
        super().__init__(f"API key '{key_id}' not found")


class ApiKeyConflictError(ApiKeyError):
    status_code = 409


class ApiKeyLimitError(ApiKeyConflictError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"The maximum number of API keys ({limit}) has been reached")


class ApiKeyNameTakenError(ApiKeyConflictError):
    def __init__(self, name: str) -> None:
        super().__init__(f"An API key named '{name}' already exists")


class ReferenceApiKeyError(ApiKeyConflictError):
    def __init__(self) -> None:
        super().__init__("The reference API key is managed with /internal-api/v1/auth/api-keys")
