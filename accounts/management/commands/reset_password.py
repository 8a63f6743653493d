"""``manage.py reset_password USERNAME``: set a user's password (prompted, or --password)."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.services import reset_password
from meet.errors import MeetError


class Command(BaseCommand):
    help = "Reset the password of a stored user (e.g. the admin)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("--password", help="The new password (prompted when omitted).")

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"]
        if password is None:
            password = getpass.getpass("New password: ")
            if password != getpass.getpass("Repeat it: "):
                raise CommandError("the passwords do not match")
        if len(password) < 5:
            raise CommandError("the password must be at least 5 characters long")
        try:
            reset_password(username=options["username"], new_password=password)
        except MeetError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"Password for user '{options['username']}' changed")
