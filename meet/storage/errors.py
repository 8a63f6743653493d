from __future__ import annotations

from meet.errors import ServiceUnavailableError


class StorageUnavailableError(ServiceUnavailableError):
    """Any failure of the object store other than "not found" (reference: 503 ``S3 Error``)."""

    error = "S3 Error"

    def __init__(self, detail: str = "", *, provider: str = "s3") -> None:
        if provider == "abs":
            self.error = "ABS Error"
            text = f"Azure Blob Storage is not available {detail}"
        else:
            text = f"S3 is not available {detail}"
        super().__init__(text.rstrip())


class StorageKeyError(ValueError):
    """A key that would escape the configured prefix (``..``, absolute paths, NUL)."""
