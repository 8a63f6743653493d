"""The base of every domain error and the cross-cutting ones of the reference's catalogue.

A ``MeetError`` carries the wire body of the reference: ``{"error": error, "message": message}``
with ``status_code``. Subclasses are declarative: class attributes for status and name, the
message built in ``__init__``.
"""

from __future__ import annotations


class MeetError(Exception):
    status_code: int = 500
    error: str = "Internal Server Error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, object]:
        return {"error": self.error, "message": self.message}


class InternalError(MeetError):
    """``Unexpected error while {operation}``: an unexpected failure inside a route."""

    def __init__(self, operation: str) -> None:
        super().__init__(f"Unexpected error while {operation}")


class MalformedBodyError(MeetError):
    status_code = 400
    error = "Bad Request"

    def __init__(self) -> None:
        super().__init__("Malformed body")


class PathNotFoundError(MeetError):
    status_code = 404
    error = "Path Not Found"

    def __init__(self) -> None:
        super().__init__("API path not implemented")


class AuthenticationError(MeetError):
    status_code = 401
    error = "Authentication Error"


class AuthorizationError(MeetError):
    status_code = 403
    error = "Authorization Error"


class InsufficientPermissionsError(AuthorizationError):
    def __init__(self) -> None:
        super().__init__("Insufficient permissions to access this resource")


class ServiceUnavailableError(MeetError):
    """A backing service (storage, Redis, LiveKit) cannot be reached.

    ``detail`` says why (host, port, endpoint, driver text): it goes to the log and to the
    operator's ``check_services``, never into the response body."""

    status_code = 503

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


class RedisUnavailableError(ServiceUnavailableError):
    error = "Redis Error"

    def __init__(self, detail: str = "") -> None:
        super().__init__("Redis is not available", detail=detail)
