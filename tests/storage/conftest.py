"""Every storage test runs against both the S3 store (moto) and the local directory store.

``bucket`` looks at what is really stored, beside the store under test (no prefix rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from meet.storage import get_object_store
from meet.storage.django_storage import LocalObjectStore


@pytest.fixture(params=["s3", "local"])
def object_store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "s3":
        return get_object_store()
    return LocalObjectStore(tmp_path / "bucket", prefix="openvidu-meet")


@dataclass
class Bucket:
    store: Any

    def raw(self, full_key: str) -> bytes | None:
        """The bytes stored under a *full* key, or None."""
        if isinstance(self.store, LocalObjectStore):
            path = self.store.root / full_key
            return path.read_bytes() if path.is_file() else None
        client = self.store.client
        try:
            response = client.get_object(Bucket=self.store.bucket, Key=full_key)
        except client.exceptions.NoSuchKey:
            return None
        return bytes(response["Body"].read())

    def keys(self) -> list[str]:
        """Every stored key, whatever its prefix, sorted."""
        if isinstance(self.store, LocalObjectStore):
            return sorted(
                path.relative_to(self.store.root).as_posix()
                for path in self.store.root.rglob("*")
                if path.is_file()
            )
        paginator = self.store.client.get_paginator("list_objects_v2")
        return sorted(
            item["Key"]
            for page in paginator.paginate(Bucket=self.store.bucket)
            for item in page.get("Contents", [])
        )


@pytest.fixture
def bucket(object_store: Any) -> Bucket:
    return Bucket(object_store)
