"""A page of a listing: what repositories return and services pass on (not an HTTP type).

Lists page through storage with S3 continuation tokens; ``meet/api/pagination.py`` renders a
page in the reference's envelope.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    is_truncated: bool
    next_page_token: str | None
