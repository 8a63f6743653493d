"""``manage.py init_storage``: the reference's first-start initialisation, idempotent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.services import initialize_storage
from meet.errors import MeetError
from meet.storage import get_object_store


class Command(BaseCommand):
    help = "Create the global config, the initial admin user and API key if not yet done."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--create-bucket",
            action="store_true",
            help="In S3 mode, create the bucket when it does not exist.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        store = get_object_store()
        try:
            creating = options["create_bucket"] and hasattr(store, "ensure_bucket")
            if creating and store.ensure_bucket():  # type: ignore[attr-defined]
                self.stdout.write("storage: bucket created")
            store.check_health()
            outcome = initialize_storage()
        except MeetError as error:
            raise CommandError(f"storage initialisation failed: {error.message}") from error
        self.stdout.write(f"storage: {outcome}")
