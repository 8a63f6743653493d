"""Banners every console page shows: demo mode, and an admin password still the initial one."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from accounts import services as accounts_services


@functools.lru_cache(maxsize=64)
def _is_initial_password(password_hash: str, initial_password: str) -> bool:
    # bcrypt costs tens of milliseconds: once per stored hash (it changes with the password).
    return accounts_services.check_password(initial_password, password_hash)


def banners(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "console_user", None)
    initial_password = bool(
        user is not None
        and settings.MEET_INITIAL_ADMIN_PASSWORD
        and user.username == settings.MEET_INITIAL_ADMIN_USER
        and _is_initial_password(user.password_hash, settings.MEET_INITIAL_ADMIN_PASSWORD)
    )
    return {"demo_mode": settings.MEET_DEMO_MODE, "initial_password": initial_password}
