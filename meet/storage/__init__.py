"""The object store: the only code that talks to blob storage (see base.ObjectStore)."""

from __future__ import annotations

import functools
from pathlib import Path

from django.conf import settings

from meet.storage.base import KeyPage, ObjectInfo, ObjectStore, ObjectStream
from meet.storage.errors import StorageKeyError, StorageUnavailableError

__all__ = [
    "KeyPage",
    "ObjectInfo",
    "ObjectStore",
    "ObjectStream",
    "StorageKeyError",
    "StorageUnavailableError",
    "get_object_store",
]


@functools.cache
def get_object_store() -> ObjectStore:
    """The store chosen by ``MEET_BLOB_STORAGE_MODE``, built on first use (never at import)."""
    mode = settings.MEET_BLOB_STORAGE_MODE
    if mode == "local":
        from meet.storage.django_storage import LocalObjectStore

        root = Path(settings.MEET_LOCAL_STORAGE_DIR) / settings.MEET_S3_BUCKET
        return LocalObjectStore(root, prefix=settings.STORAGE_KEY_PREFIX)
    if mode == "gcs":
        from storages.backends.gcloud import GoogleCloudStorage

        from meet.storage.django_storage import DjangoStorageObjectStore

        return DjangoStorageObjectStore(
            GoogleCloudStorage(bucket_name=settings.MEET_S3_BUCKET, file_overwrite=True),
            prefix=settings.STORAGE_KEY_PREFIX,
            provider="gcs",
        )
    if mode == "abs":
        from storages.backends.azure_storage import AzureStorage

        from meet.storage.django_storage import DjangoStorageObjectStore

        return DjangoStorageObjectStore(
            AzureStorage(
                account_name=settings.MEET_AZURE_ACCOUNT_NAME,
                account_key=settings.MEET_AZURE_ACCOUNT_KEY,
                azure_container=settings.MEET_AZURE_CONTAINER_NAME,
                overwrite_files=True,
            ),
            prefix=settings.STORAGE_KEY_PREFIX,
            provider="abs",
        )
    from meet.storage.s3 import S3ObjectStore

    return S3ObjectStore()
