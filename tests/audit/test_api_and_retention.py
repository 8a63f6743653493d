"""GET /api/v1/audit-log (filters, pages, bounds, auth), retention, and the two commands."""

from __future__ import annotations

from http import HTTPStatus
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from audit import repository, services, tasks
from audit.domain import ActorKind, AuditQuery
from meet.clock import now_ms
from meet.redis_connection import redis
from tests.audit.helpers import clear_events, put_event, stored_events

AUDIT = "/api/v1/audit-log"
DAY = 24 * 3600 * 1000
T0 = 1_760_000_000_000


@pytest.fixture
def events(initialized: None) -> list[Any]:
    """Twelve events a minute apart, T0 .. T0+11 min, of three kinds."""
    made = []
    for number in range(12):
        action = ("room.create", "room.delete", "recording.delete")[number % 3]
        kind = ActorKind.API_KEY if number % 2 else ActorKind.USER
        made.append(
            put_event(
                T0 + number * 60_000,
                action,
                actor="ci" if number % 2 else "admin",
                kind=kind,
                target_type=action.split(".")[0],
                target_id=f"T{number}",
                number=number,
            )
        )
    return made


def ids(body: dict[str, Any]) -> list[str]:
    return [event["targetId"] for event in body["events"]]


def test_lists_newest_first_in_the_stored_shape(key_client: APIClient, events: Any) -> None:
    clear_events()
    for event in events:
        repository.AuditRepository().save(event)
    response = key_client.get(AUDIT)
    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert ids(body) == [f"T{n}" for n in range(11, -1, -1)]
    assert body["events"][0] == repository.to_json(events[11])
    assert body["pagination"] == {"isTruncated": False, "maxItems": 50}


def test_pages_with_next_page_token(key_client: APIClient, events: Any) -> None:
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        query = f"?maxItems=5&nextPageToken={token}" if token else "?maxItems=5"
        body = key_client.get(AUDIT + query).json()
        pages += 1
        seen += ids(body)
        assert body["pagination"]["maxItems"] == 5
        if not body["pagination"]["isTruncated"]:
            assert "nextPageToken" not in body["pagination"]
            break
        token = body["pagination"]["nextPageToken"]
    assert pages == 3
    assert seen == [f"T{n}" for n in range(11, -1, -1)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("action=room.", [10, 9, 7, 6, 4, 3, 1, 0]),
        ("action=room.delete", [10, 7, 4, 1]),
        ("actorKind=api_key", [11, 9, 7, 5, 3, 1]),
        ("actor=admin&action=recording", [8, 2]),
        ("targetType=recording", [11, 8, 5, 2]),
        ("targetId=T3", [3]),
        (f"since={T0 + 9 * 60_000}", [11, 10, 9]),
        (f"until={T0 + 2 * 60_000}", [2, 1, 0]),
        (f"since={T0 + 3 * 60_000}&until={T0 + 5 * 60_000}&actorKind=user", [4]),
        ("actor=nobody", []),
    ],
)
def test_filters(key_client: APIClient, events: Any, query: str, expected: list[int]) -> None:
    body = key_client.get(f"{AUDIT}?{query}").json()
    assert ids(body) == [f"T{n}" for n in expected]
    assert body["pagination"]["isTruncated"] is False


def test_filtered_pages_resume_exactly(key_client: APIClient, events: Any) -> None:
    first = key_client.get(f"{AUDIT}?actorKind=user&maxItems=2").json()
    assert ids(first) == ["T10", "T8"]
    token = first["pagination"]["nextPageToken"]
    second = key_client.get(f"{AUDIT}?actorKind=user&maxItems=2&nextPageToken={token}").json()
    assert ids(second) == ["T6", "T4"]


def test_a_filtered_scan_is_bounded_and_resumable(events: Any) -> None:
    query = AuditQuery(target_id="T0")  # the oldest: every other key is looked at first
    page = services.list_events(query, max_items=5, max_scanned=4)
    assert page.items == [] and page.is_truncated and page.next_page_token
    found = []
    token = page.next_page_token
    for _ in range(5):
        page = services.list_events(query, max_items=5, page_token=token, max_scanned=4)
        found += page.items
        if not page.is_truncated:
            break
        token = page.next_page_token
    assert [event.target_id for event in found] == ["T0"]


def test_max_items_is_capped_and_validated(key_client: APIClient, events: Any) -> None:
    assert key_client.get(f"{AUDIT}?maxItems=1000").json()["pagination"]["maxItems"] == 200
    response = key_client.get(f"{AUDIT}?maxItems=0")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    response = key_client.get(f"{AUDIT}?actorKind=robot")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json()["error"] == "Unprocessable Entity"


def test_a_forged_page_token_is_a_422(key_client: APIClient, events: Any) -> None:
    response = key_client.get(f"{AUDIT}?nextPageToken=not-a-token!")
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    assert response.json()["details"] == [
        {"field": "nextPageToken", "message": "Invalid page token"}
    ]


def test_needs_an_api_key_or_an_admin(
    initialized: None, admin_client: APIClient, key_client: APIClient
) -> None:
    response = APIClient().get(AUDIT)
    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert response.json() == {"error": "Authentication Error", "message": "Unauthorized"}
    assert admin_client.get(AUDIT).status_code == HTTPStatus.OK
    assert key_client.get(AUDIT).status_code == HTTPStatus.OK


def test_declares_its_scope_and_is_in_the_openapi_description(initialized: None) -> None:
    from audit_http.views import AuditLogView

    assert AuditLogView.api_key_scopes == {"GET": ("audit:read",)}
    document = APIClient().get("/api/v1/docs/openapi.json").json()
    operation = document["paths"]["/api/v1/audit-log"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"action", "actorKind", "actor", "targetType", "targetId", "since", "until"} <= names
    assert {"maxItems", "nextPageToken"} <= names
    assert "200" in operation["responses"]


def test_survives_a_redis_flush(key_client: APIClient, events: Any) -> None:
    redis().flushdb()
    assert len(key_client.get(AUDIT).json()["events"]) == 12


# --- Retention --------------------------------------------------------------------------------


def _ages(days: list[float]) -> None:
    now = now_ms()
    for number, age in enumerate(days):
        put_event(int(now - age * DAY), target_id=f"age{age}", number=number)


def test_prune_deletes_only_events_past_the_retention(initialized: None, settings: Any) -> None:
    settings.MEET_AUDIT_RETENTION_DAYS = 30
    _ages([0, 1, 29.9, 30.01, 45, 400, 3000])
    summary = services.prune()
    assert summary.deleted == 4
    assert sorted(event["targetId"] for event in stored_events()) == ["age0", "age1", "age29.9"]


def test_prune_finds_old_events_by_prefix_not_by_listing_everything(
    initialized: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The listings pruning issues never return a young key."""
    from meet.storage import get_object_store

    _ages([0, 0.5, 1, 2, 3, 100, 200])
    store = get_object_store()
    listed: list[str] = []
    original = store.list_keys

    def spy(prefix: str, **kwargs: Any) -> Any:
        page = original(prefix, **kwargs)
        listed.extend(page.keys)
        return page

    monkeypatch.setattr(store, "list_keys", spy)
    assert services.prune(days=50).deleted == 2
    assert len(listed) == 2


def test_prune_boundary_within_the_exact_digits(initialized: None) -> None:
    now = now_ms()
    put_event(now - 10 * DAY - 1, target_id="just-old", number=1)
    put_event(now - 10 * DAY + 60_000, target_id="just-young", number=2)
    assert services.prune(days=10).deleted == 1
    assert [event["targetId"] for event in stored_events()] == ["just-young"]


def test_zero_days_keeps_everything(initialized: None, settings: Any) -> None:
    settings.MEET_AUDIT_RETENTION_DAYS = 0
    _ages([0, 5000])
    summary = services.prune()
    assert summary.deleted == 0 and summary.cutoff is None
    assert len(stored_events()) == 2


def test_the_beat_task_prunes_and_records_it(initialized: None, settings: Any) -> None:
    settings.MEET_AUDIT_RETENTION_DAYS = 7
    _ages([1, 8, 9])
    assert "deleted 2 event(s)" in (tasks.prune_audit_log_task() or "")
    remaining = stored_events()
    assert [event["action"] for event in remaining] == ["audit.prune", "room.create"]
    assert remaining[0]["actor"] == {
        "kind": "system",
        "name": "audit.prune_audit_log",
        "role": "",
        "ip": "",
    }
    assert remaining[0]["details"]["deleted"] == 2
    assert "audit-prune" in settings.CELERY_BEAT_SCHEDULE


def test_prune_command_dry_run_and_days(initialized: None) -> None:
    _ages([1, 20, 40])
    out = StringIO()
    call_command("prune_audit_log", "--dry-run", "--days", "10", stdout=out)
    assert out.getvalue().startswith("Audit log: would delete 2 event(s) older than ")
    assert len(stored_events()) == 3
    out = StringIO()
    call_command("prune_audit_log", "--days", "30", stdout=out)
    assert out.getvalue().startswith("Audit log: deleted 1 event(s) older than ")
    assert [event["action"] for event in stored_events()] == [
        "audit.prune",
        "room.create",
        "room.create",
    ]
    out = StringIO()
    call_command("prune_audit_log", "--days", "0", stdout=out)
    assert "nothing deleted" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("prune_audit_log", "--days", "-1")


def test_audit_log_command_prints_filtered_events(events: Any) -> None:
    out = StringIO()
    call_command("audit_log", "--action", "room.delete", "--actor-kind", "api_key", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines == [
        "2025-10-09T09:00:20.000000Z room.delete success actor=api_key:ci ip=10.0.0.1 "
        "target=room:T7 details={}",
        "2025-10-09T08:54:20.000000Z room.delete success actor=api_key:ci ip=10.0.0.1 "
        "target=room:T1 details={}",
        "2 event(s)",
    ]
    out = StringIO()
    call_command("audit_log", "--limit", "2", "--json", stdout=out)
    printed = out.getvalue().splitlines()
    assert len(printed) == 2
    assert '"targetId":"T11"' in printed[0]
    out = StringIO()
    call_command("audit_log", "--limit", "2", stdout=out)
    assert (
        out.getvalue().splitlines()[-1] == "2 event(s) (more: narrow the filters or raise --limit)"
    )
