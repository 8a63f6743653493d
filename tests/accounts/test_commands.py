from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.services import authenticate_user


def test_init_storage_reports_what_it_did(settings: object) -> None:
    out = StringIO()
    call_command("init_storage", stdout=out)
    call_command("init_storage", stdout=out)
    assert out.getvalue().splitlines() == ["storage: initialized", "storage: up to date"]


def test_reset_password_changes_the_stored_hash(initialized: None) -> None:
    out = StringIO()
    call_command("reset_password", "admin", "--password", "brand-new", stdout=out)
    assert "Password for user 'admin' changed" in out.getvalue()
    assert authenticate_user(username="admin", password="brand-new").username == "admin"


def test_reset_password_of_an_unknown_user_fails(initialized: None) -> None:
    with pytest.raises(CommandError, match="User 'ghost' not found"):
        call_command("reset_password", "ghost", "--password", "brand-new")


def test_reset_password_refuses_short_passwords(initialized: None) -> None:
    with pytest.raises(CommandError, match="at least 5 characters"):
        call_command("reset_password", "admin", "--password", "abc")


def test_init_storage_repairs_a_wiped_bucket_even_with_a_warm_cache(
    initialized: None, store: object
) -> None:
    from meet.redis_connection import redis

    assert redis().get("ov_meet:global_config") is not None
    store.delete_many(["global-config.json", "users/admin.json"])  # type: ignore[attr-defined]
    out = StringIO()
    call_command("init_storage", stdout=out)
    assert out.getvalue().strip() == "storage: initialized"
    assert store.get_json("users/admin.json")["username"] == "admin"  # type: ignore[attr-defined]
