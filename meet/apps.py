from django.apps import AppConfig


class MeetConfig(AppConfig):
    name = "meet"

    def ready(self) -> None:
        import meet.api.schema  # noqa: F401 - registers the OpenAPI extensions
        from meet import checks  # noqa: F401 - registers the system checks
