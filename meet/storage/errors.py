from __future__ import annotations

from meet.errors import ServiceUnavailableError


class StorageUnavailableError(ServiceUnavailableError):
    """Any failure of the object store other than "not found" (reference: 503 ``S3 Error``)."""

    error = "S3 Error"

    def __init__(self, detail: str = "", *, provider: str = "s3") -> None:
        # The reference appends the driver's error text; it names the endpoint, bucket and
        # key, so here it only goes to the log (docs/compatibility.md).
        if provider == "abs":
            self.error = "ABS Error"
            text = "Azure Blob Storage is not available"
        else:
            text = "S3 is not available"
        super().__init__(text, detail=detail)


class StorageKeyError(ValueError):
    """A key that would escape the configured prefix (``..``, absolute paths, NUL)."""
