from django.apps import AppConfig


class MeetConfig(AppConfig):
    name = "meet"

    def ready(self) -> None:
        import meet.api.schema  # noqa: F401 - registers the OpenAPI extensions
        from meet import checks  # noqa: F401 - registers the system checks

        _drop_database_receivers()


def _drop_database_receivers() -> None:
    """Django resets query logs and closes stale database connections at the start and end of
    every request; with no database (DATABASES is empty here: everything lives in storage and
    Redis) that walks the empty connection list twice per request, about a tenth of a cached
    ``GET /api/v1/rooms/{id}``. Both receivers are Django's own, connected by ``django.db``."""
    from django.conf import settings
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, reset_queries

    if settings.DATABASES:
        return
    request_started.disconnect(reset_queries)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
