"""S3 (AWS, MinIO, any S3-compatible endpoint) through django-storages' configured client."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from storages.backends.s3 import S3Storage

from meet.storage.base import (
    DEFAULT_CHUNK_SIZE,
    InvalidPageTokenError,
    KeyPage,
    ObjectInfo,
    apply_prefix,
    dump_json,
    load_json,
)
from meet.storage.errors import StorageUnavailableError

logger = logging.getLogger(__name__)

_NOT_FOUND_CODES = {"NoSuchKey", "404", "NotFound"}
_DELETE_BATCH = 1000


def _is_not_found(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in _NOT_FOUND_CODES


class S3ObjectStream:
    def __init__(self, body: Any, content_length: int) -> None:
        self._body = body
        self.content_length = content_length

    def iter_chunks(self, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[bytes]:
        try:
            yield from self._body.iter_chunks(chunk_size)
        except (BotoCoreError, ClientError, OSError) as error:
            raise StorageUnavailableError(str(error)) from error
        finally:
            self.close()

    def close(self) -> None:
        self._body.close()


class S3ObjectStore:
    provider = "s3"

    def __init__(self) -> None:
        credentials = {}
        if settings.MEET_S3_ACCESS_KEY and settings.MEET_S3_SECRET_KEY:
            credentials = {
                "access_key": settings.MEET_S3_ACCESS_KEY,
                "secret_key": settings.MEET_S3_SECRET_KEY,
            }
        self.storage = S3Storage(
            bucket_name=settings.MEET_S3_BUCKET,
            endpoint_url=settings.MEET_S3_SERVICE_ENDPOINT or None,
            region_name=settings.MEET_AWS_REGION,
            addressing_style="path" if settings.MEET_S3_WITH_PATH_STYLE_ACCESS else "virtual",
            signature_version="s3v4",
            file_overwrite=True,
            client_config=Config(
                connect_timeout=settings.STORAGE_CONNECT_TIMEOUT_SECONDS,
                read_timeout=settings.STORAGE_READ_TIMEOUT_SECONDS,
                retries={"max_attempts": 2, "mode": "standard"},
                max_pool_connections=50,
                s3={"addressing_style": "path"}
                if settings.MEET_S3_WITH_PATH_STYLE_ACCESS
                else None,
            ),
            **credentials,
        )
        self.bucket = settings.MEET_S3_BUCKET
        self.prefix = settings.STORAGE_KEY_PREFIX
        self._client: Any = None

    @property
    def client(self) -> Any:
        # The low-level client of the connection django-storages configured, built once and
        # shared: boto3 clients are thread-safe, and building one per thread (as
        # django-storages' thread-local resources do) costs far more than the request itself.
        if self._client is None:
            self._client = self.storage.connection.meta.client
        return self._client

    def full_key(self, key: str) -> str:
        return apply_prefix(self.prefix, key)

    def _unavailable(self, error: Exception) -> StorageUnavailableError:
        logger.warning("S3 request failed: %s", error)
        return StorageUnavailableError(str(error))

    def _request(self, operation: str, **params: Any) -> Any:
        """One S3 call on the bucket: "not found" is None, any other failure a 503."""
        try:
            return getattr(self.client, operation)(Bucket=self.bucket, **params)
        except ClientError as error:
            if _is_not_found(error):
                return None
            raise self._unavailable(error) from error
        except BotoCoreError as error:
            raise self._unavailable(error) from error

    def get_bytes(self, key: str) -> bytes | None:
        response = self._request("get_object", Key=self.full_key(key))
        if response is None:
            return None
        try:
            return bytes(response["Body"].read())
        except (BotoCoreError, OSError) as error:
            raise self._unavailable(error) from error

    def get_json(self, key: str) -> Any | None:
        raw = self.get_bytes(key)
        if raw is None:
            return None
        return load_json(raw)

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        full = self.full_key(key)
        extra = {"ContentType": content_type} if content_type else {}
        delay = settings.STORAGE_PUT_BACKOFF_SECONDS
        for attempt in range(1, settings.STORAGE_PUT_ATTEMPTS + 1):
            try:
                self.client.put_object(Bucket=self.bucket, Key=full, Body=data, **extra)
                return
            except (ClientError, BotoCoreError) as error:
                if attempt == settings.STORAGE_PUT_ATTEMPTS:
                    raise self._unavailable(error) from error
                logger.warning("S3 put of %s failed (attempt %d): %s", full, attempt, error)
                time.sleep(delay)
                delay *= 2

    def put_json(self, key: str, data: Any) -> None:
        self.put_bytes(key, dump_json(data))

    def delete(self, key: str) -> None:
        self.delete_many([key])

    def delete_many(self, keys: list[str]) -> None:
        full_keys = [self.full_key(key) for key in keys]
        for start in range(0, len(full_keys), _DELETE_BATCH):
            batch = full_keys[start : start + _DELETE_BATCH]
            try:
                response = self.client.delete_objects(
                    Bucket=self.bucket,
                    Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
                )
            except (ClientError, BotoCoreError) as error:
                raise self._unavailable(error) from error
            errors = [e for e in response.get("Errors", []) if e.get("Code") != "NoSuchKey"]
            if errors:
                raise StorageUnavailableError(f"could not delete {errors[0].get('Key')}")

    def head(self, key: str) -> ObjectInfo | None:
        response = self._request("head_object", Key=self.full_key(key))
        if response is None:
            return None
        return ObjectInfo(size=int(response.get("ContentLength", 0)), etag=response.get("ETag"))

    def exists(self, key: str) -> bool:
        return self.head(key) is not None

    def list_keys(
        self, prefix: str, *, limit: int | None = None, continuation_token: str | None = None
    ) -> KeyPage:
        params: dict[str, Any] = {
            "Bucket": self.bucket,
            "Prefix": self.full_key(prefix),
            "MaxKeys": limit or settings.STORAGE_DEFAULT_PAGE_SIZE,
        }
        if continuation_token and continuation_token != "undefined":
            params["ContinuationToken"] = continuation_token
        try:
            response = self.client.list_objects_v2(**params)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code"))
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if "ContinuationToken" in params and (code == "InvalidArgument" or status == 400):
                # S3 (InvalidArgument) and compatible servers refuse a token they never issued
                raise InvalidPageTokenError(continuation_token) from error
            raise self._unavailable(error) from error
        except BotoCoreError as error:
            raise self._unavailable(error) from error
        return KeyPage(
            keys=[item["Key"] for item in response.get("Contents", [])],
            is_truncated=bool(response.get("IsTruncated", False)),
            next_page_token=response.get("NextContinuationToken"),
        )

    def open_stream(
        self, key: str, byte_range: tuple[int, int] | None = None
    ) -> S3ObjectStream | None:
        params: dict[str, Any] = {"Key": self.full_key(key)}
        if byte_range is not None:
            params["Range"] = f"bytes={byte_range[0]}-{byte_range[1]}"
        response = self._request("get_object", **params)
        if response is None:
            return None
        return S3ObjectStream(response["Body"], int(response.get("ContentLength", 0)))

    def check_health(self) -> None:
        try:
            self.client.list_objects_v2(Bucket=self.bucket, MaxKeys=1)
        except (ClientError, BotoCoreError) as error:
            raise self._unavailable(error) from error

    def ensure_bucket(self) -> bool:
        """Create the bucket when it is missing (the reference never does). True if created."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
            return False
        except ClientError as error:
            if str(error.response.get("Error", {}).get("Code")) not in {"404", "NoSuchBucket"}:
                raise self._unavailable(error) from error
        except BotoCoreError as error:
            raise self._unavailable(error) from error
        try:
            self.client.create_bucket(Bucket=self.bucket)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code"))
            if code in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                return False  # another process created it first
            raise self._unavailable(error) from error
        except BotoCoreError as error:
            raise self._unavailable(error) from error
        return True
