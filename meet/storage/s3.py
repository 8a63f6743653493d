"""S3 (AWS, MinIO, any S3-compatible endpoint) through django-storages' configured client.

Every call is bounded: ``MEET_S3_CONNECT_TIMEOUT`` to connect, ``MEET_S3_READ_TIMEOUT`` per read
(so a stream of any length goes on while S3 keeps sending), ``MEET_S3_MAX_ATTEMPTS`` attempts.
A call that cannot reach S3 marks it down for a moment (``meet.breaker``) and the calls that
follow fail at once with the 503, instead of each waiting out its own timeouts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    HTTPClientError,
    ReadTimeoutError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.utils import parse_timestamp
from django.conf import settings
from storages.backends.s3 import S3Storage

from meet import metrics
from meet.breaker import Breaker
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
# S3 took the connection but did not answer in time: never retried, marks S3 down at once.
_TIMEOUTS = (ConnectTimeoutError, ReadTimeoutError)
# S3 refused or dropped the connection: retried, marks S3 down when every attempt failed so.
_UNREACHABLE = (BotoConnectionError, HTTPClientError)
_THROTTLING_CODES = {"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout"}


def _parse_timestamp(value: Any) -> Any:
    """botocore's timestamp parser goes through dateutil (~25 µs a value, one per key of a
    listing page); S3's ISO-8601 form (``2026-12-05T07:30:00.000Z``) parses ~20x faster with
    ``datetime.fromisoformat``. Anything else (HTTP dates in headers, epoch numbers) falls back
    to botocore's own parser."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    return parse_timestamp(value)


class _Storage(S3Storage):
    """django-storages' S3 backend whose botocore session parses timestamps fast."""

    def _create_session(self) -> Any:
        session = super()._create_session()
        factory = session._session.get_component("response_parser_factory")
        factory.set_parser_defaults(timestamp_parser=_parse_timestamp)
        return session


class _Unreachable(Exception):  # noqa: N818 - an internal signal, never leaves this module
    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def _is_retryable_answer(error: ClientError) -> bool:
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
    code = str(error.response.get("Error", {}).get("Code"))
    return int(status) >= 500 or code in _THROTTLING_CODES


_DELETE_BATCH = 1000


def _is_not_found(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in _NOT_FOUND_CODES


class S3ObjectStream:
    def __init__(self, body: Any, content_length: int, breaker: Breaker) -> None:
        self._body = body
        self.content_length = content_length
        self._breaker = breaker

    def iter_chunks(self, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[bytes]:
        try:
            yield from self._body.iter_chunks(chunk_size)
        except (BotoCoreError, ClientError, OSError) as error:
            if isinstance(error, (*_TIMEOUTS, *_UNREACHABLE, OSError)):
                self._breaker.trip(error)
            logger.warning("S3 stream failed: %s", error)
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
        self.storage = _Storage(
            bucket_name=settings.MEET_S3_BUCKET,
            endpoint_url=settings.MEET_S3_SERVICE_ENDPOINT or None,
            region_name=settings.MEET_AWS_REGION,
            addressing_style="path" if settings.MEET_S3_WITH_PATH_STYLE_ACCESS else "virtual",
            signature_version="s3v4",
            file_overwrite=True,
            client_config=Config(
                connect_timeout=settings.MEET_S3_CONNECT_TIMEOUT,
                read_timeout=settings.MEET_S3_READ_TIMEOUT,
                # Retries are ours (_invoke, put_bytes): botocore's would also repeat timeouts.
                retries={"total_max_attempts": 1, "mode": "standard"},
                max_pool_connections=50,
                # botocore (1.36+) checks a CRC of every object it reads when S3 sent one: about
                # a third of the CPU a media download costs. Documents ask for it explicitly
                # (get_bytes); media streams rely on TCP/TLS and the stored size, as botocore
                # did before 1.36 and as S3's own consoles do.
                response_checksum_validation="when_required",
                s3={"addressing_style": "path"}
                if settings.MEET_S3_WITH_PATH_STYLE_ACCESS
                else None,
            ),
            **credentials,
        )
        self.bucket = settings.MEET_S3_BUCKET
        self.prefix = settings.STORAGE_KEY_PREFIX
        self._client: Any = None
        self.breaker = Breaker(
            "S3", lambda: settings.MEET_S3_CONNECT_TIMEOUT + settings.MEET_S3_READ_TIMEOUT
        )

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

    def _attempt(self, operation: str, params: dict[str, Any]) -> Any:
        """One client call. S3 marked down fails at once (503); a timeout marks it down
        (503); a refused or dropped connection is ``_Unreachable`` for the caller to retry or
        give up on; an answer from S3, even an error (``ClientError``), is returned or raised
        as is."""
        if not self.breaker.allow():
            raise StorageUnavailableError("S3 is marked down after a failed call")
        try:
            with metrics.timed_dependency("s3", answered=(ClientError,)):
                result = getattr(self.client, operation)(**params)
        except ClientError:
            self.breaker.succeeded()  # S3 answered
            raise
        except _TIMEOUTS as error:
            self.breaker.trip(error)
            raise self._unavailable(error) from error
        except _UNREACHABLE as error:
            raise _Unreachable(error) from error
        except BotoCoreError as error:
            raise self._unavailable(error) from error
        self.breaker.succeeded()
        return result

    def _invoke(self, operation: str, **params: Any) -> Any:
        """``_attempt`` with retries: a refused/dropped connection or an S3 5xx/throttling
        answer is tried again after 50 ms, doubling, ``MEET_S3_MAX_ATTEMPTS`` times in all (a
        pooled connection S3 closed reconnects so); a timeout is never retried. When every
        attempt found S3 unreachable it is marked down."""
        attempts = settings.MEET_S3_MAX_ATTEMPTS
        delay = 0.05
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            try:
                return self._attempt(operation, params)
            except ClientError as error:
                if last or not _is_retryable_answer(error):
                    raise
            except _Unreachable as unreachable:
                if last:
                    self.breaker.trip(unreachable.error)
                    raise self._unavailable(unreachable.error) from unreachable.error
            time.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _request(self, operation: str, **params: Any) -> Any:
        """One S3 call on the bucket: "not found" is None, any other failure a 503."""
        try:
            return self._invoke(operation, Bucket=self.bucket, **params)
        except ClientError as error:
            if _is_not_found(error):
                return None
            raise self._unavailable(error) from error

    def _read_body(self, response: Any) -> bytes:
        try:
            return bytes(response["Body"].read())
        except (BotoCoreError, OSError) as error:
            if isinstance(error, (*_TIMEOUTS, *_UNREACHABLE)):
                self.breaker.trip(error)
            raise self._unavailable(error) from error

    def get_bytes(self, key: str) -> bytes | None:
        response = self._request("get_object", Key=self.full_key(key), ChecksumMode="ENABLED")
        if response is None:
            return None
        return self._read_body(response)

    def get_json(self, key: str) -> Any | None:
        raw = self.get_bytes(key)
        if raw is None:
            return None
        return load_json(raw)

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        """The reference's put: ``STORAGE_PUT_ATTEMPTS`` attempts, 100 ms doubling, for an
        error S3 answers with or a refused connection. A put S3 does not answer in time is
        not repeated: S3 is marked down and the 503 comes at once."""
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": self.full_key(key), "Body": data}
        if content_type:
            params["ContentType"] = content_type
        delay = settings.STORAGE_PUT_BACKOFF_SECONDS
        for attempt in range(1, settings.STORAGE_PUT_ATTEMPTS + 1):
            last = attempt == settings.STORAGE_PUT_ATTEMPTS
            try:
                self._attempt("put_object", params)
                return
            except ClientError as error:
                if last:
                    raise self._unavailable(error) from error
                failure: Exception = error
            except _Unreachable as unreachable:
                if last:
                    self.breaker.trip(unreachable.error)
                    raise self._unavailable(unreachable.error) from unreachable.error
                failure = unreachable.error
            logger.warning("S3 put of %s failed (attempt %d): %s", params["Key"], attempt, failure)
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
                response = self._invoke(
                    "delete_objects",
                    Bucket=self.bucket,
                    Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
                )
            except ClientError as error:
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
            response = self._invoke("list_objects_v2", **params)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code"))
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if "ContinuationToken" in params and (code == "InvalidArgument" or status == 400):
                # S3 (InvalidArgument) and compatible servers refuse a token they never issued
                raise InvalidPageTokenError(continuation_token) from error
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
        return S3ObjectStream(response["Body"], int(response.get("ContentLength", 0)), self.breaker)

    def check_health(self) -> None:
        try:
            self._invoke("list_objects_v2", Bucket=self.bucket, MaxKeys=1)
        except ClientError as error:
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
