"""The audit log page in a real headless Chromium: actions done in the console show up, with
who, from where and on what; filters and pages work (screenshots in test-artifacts/console/)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from audit.domain import Actor, ActorKind, AuditEvent
from audit.repository import AuditRepository
from meet.storage import get_object_store
from tests.console.conftest import sign_in

pytestmark = pytest.mark.browser

Shoot = Callable[[Any, str], None]


@pytest.fixture
def patient_s3(settings: Any) -> Iterator[None]:
    """A page reads its 50 events 16 at a time from moto, which runs in this process and shares
    its GIL with the console's server and the other tests' threads: on a loaded CI machine one
    of those reads could outlast the 3 s read timeout (a 503 page). The store is rebuilt with
    a patient timeout for this test only."""
    settings.MEET_S3_READ_TIMEOUT = 20
    get_object_store.cache_clear()
    yield
    get_object_store.cache_clear()


def test_the_audit_log_shows_console_actions_with_filters_and_pages(
    page: Any, shoot: Shoot, initialized: None, patient_s3: None
) -> None:
    for number in range(55):  # older events, enough for a second page
        AuditRepository().save(
            AuditEvent(
                id=f"old{number:04d}",
                timestamp=1_760_000_000_000 + number * 1000,
                action="recording.delete",
                actor=Actor(kind=ActorKind.API_KEY, name="ci", ip="192.0.2.10"),
                target_type="recording",
                target_id=f"Old-{number}",
            )
        )
    sign_in(page)
    page.get_by_role("link", name="Rooms", exact=True).click()
    page.get_by_role("link", name="New room").click()
    page.get_by_label("Room name").fill("Audited room")
    page.get_by_role("button", name="Create room").click()
    page.get_by_text("Room “Audited room” created.").wait_for()
    room_id = page.get_by_test_id("room-id").inner_text()

    page.get_by_role("link", name="Audit log").click()
    page.wait_for_url("**/console/audit/")
    first_rows = page.locator("table.audit-log tbody tr")
    assert first_rows.count() == 50
    newest = first_rows.nth(0)
    assert "room.create" in newest.inner_text()
    assert "admin" in newest.inner_text()
    assert room_id in newest.inner_text()
    assert "auth.login" in first_rows.nth(1).inner_text()
    shoot(page, "14-audit-log")

    page.get_by_label("Action").fill("room.")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/console/audit/?*action=room.*")
    rows = page.locator("table.audit-log tbody tr")
    assert rows.count() == 1
    assert room_id in rows.nth(0).inner_text()
    shoot(page, "15-audit-log-filtered")

    page.get_by_role("link", name="Clear").click()
    page.get_by_label("Actor kind").select_option("api_key")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/console/audit/?*actor_kind=api_key*")
    assert page.locator("table.audit-log tbody tr").count() == 50
    page.get_by_role("link", name="Next page »").click()
    rows = page.locator("table.audit-log tbody tr")
    assert rows.count() == 5
    assert "Old-0" in rows.nth(4).inner_text()
    assert "192.0.2.10" in rows.nth(0).inner_text()
    page.get_by_role("link", name="« First page").click()
    assert page.locator("table.audit-log tbody tr").count() == 50

    page.get_by_label("Target id").fill("nothing-like-this")
    page.get_by_role("button", name="Filter").click()
    page.get_by_text("No audit events match these filters.").wait_for()
