from django.apps import AppConfig


class RecordingsConfig(AppConfig):
    name = "recordings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Rooms need a few things from recordings (has recordings? delete them; release the
        # lock; the roomStatus message) and may not import this app: plug them in.
        from recordings import services
        from rooms import recordings_port

        recordings_port.register(
            has=services.has_recordings,
            delete_all=services.delete_room_recordings,
            release_lock=services.release_lock_if_no_active_egress,
            status=services.room_status,
        )
