"""The reference's list envelope: ``{"<items>": [...], "pagination": {...}}``."""

from __future__ import annotations

from typing import Any

from meet.pagination import Page


def paginated_body(
    name: str, items: list[dict[str, Any]], page: Page[Any], max_items: int
) -> dict[str, Any]:
    pagination: dict[str, Any] = {"isTruncated": page.is_truncated}
    if page.next_page_token:
        pagination["nextPageToken"] = page.next_page_token
    pagination["maxItems"] = max_items
    return {name: items, "pagination": pagination}


def select_fields(item: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
    """``fields=a,b``: keep only those keys, in the order listed; unknown names ignored."""
    if not fields:
        return item
    return {name: item[name] for name in fields if name in item}
