"""The reference's list envelope: ``{"<items>": [...], "pagination": {...}}``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from meet.api import output
from meet.pagination import Page


class PaginationSerializer(output.OutputSerializer):
    isTruncated = output.Flag(source="is_truncated")
    nextPageToken = output.Text(source="next_page_token", required=False)
    maxItems = output.Number(source="max_items")
    omit_when_none = frozenset({"nextPageToken"})


def pagination(page: Page[Any], max_items: int) -> dict[str, Any]:
    """What ``PaginationSerializer`` renders; no ``nextPageToken`` on the last page."""
    return {
        "is_truncated": page.is_truncated,
        "next_page_token": page.next_page_token or None,
        "max_items": max_items,
    }


def select_fields(item: dict[str, Any], fields: Sequence[str] | None) -> dict[str, Any]:
    """``fields=a,b``: keep only those keys, in the order listed; unknown names ignored."""
    if not fields:
        return item
    return {name: item[name] for name in fields if name in item}
