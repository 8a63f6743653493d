"""``manage.py api_keys list|create|revoke``: the named (scoped) API keys from a shell.

``create NAME --scope rooms:read [--scope …] [--expires-in-days N]`` prints the new key once
(last line of the output, for scripts); ``revoke KEY_ID`` deletes one.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts import services
from accounts.domain import API_KEY_SCOPES
from accounts.serializers import ApiKeyCreateSerializer
from audit.domain import Actor, ActorKind
from audit.services import record_event
from meet.api.exception_handler import flatten_validation_errors
from meet.clock import now_ms
from meet.errors import MeetError

ACTOR = Actor(kind=ActorKind.SYSTEM, name="api_keys command")
DAY_MS = 86_400_000


class Command(BaseCommand):
    help = "List, create or revoke named (scoped) API keys."

    def add_arguments(self, parser: Any) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("list", help="Every key, the reference key first.")
        create = actions.add_parser("create", help="A new key (printed once).")
        create.add_argument("name")
        create.add_argument(
            "--scope",
            dest="scopes",
            action="append",
            default=[],
            help=f"Repeatable; one of {', '.join(API_KEY_SCOPES)}.",
        )
        create.add_argument("--expires-in-days", type=int, default=None)
        revoke = actions.add_parser("revoke", help="Delete a key by its id.")
        revoke.add_argument("key_id")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except MeetError as error:
            raise CommandError(error.message) from error

    def _list(self, options: dict[str, Any]) -> None:
        for key in services.list_all_api_keys():
            scopes = "*" if key.reference else ",".join(key.scopes)
            expires = key.expires_at if key.expires_at is not None else "-"
            last_used = key.last_used_at if key.last_used_at is not None else "-"
            self.stdout.write(
                f"{key.key_id}\t{key.name}\t{scopes}\texpires={expires}\tlast_used={last_used}"
            )

    def _create(self, options: dict[str, Any]) -> None:
        body: dict[str, Any] = {"name": options["name"], "scopes": options["scopes"]}
        if options["expires_in_days"] is not None:
            if options["expires_in_days"] <= 0:
                raise CommandError("--expires-in-days must be a positive number of days")
            body["expiresAt"] = now_ms() + options["expires_in_days"] * DAY_MS
        serializer = ApiKeyCreateSerializer(data=body)
        if not serializer.is_valid():
            problems = flatten_validation_errors(serializer.errors)
            raise CommandError(
                "; ".join(f"{item['field']}: {item['message']}" for item in problems)
            )
        data = serializer.validated_data
        expires_at = data.get("expires_at")
        created = services.create_named_api_key(
            name=data["name"],
            scopes=tuple(data["scopes"]),
            expires_at=None if expires_at is None else int(expires_at),
        )
        record_event(
            "api_key.create",
            actor=ACTOR,
            target_type="api_key",
            target_id=created.key_id,
            details={
                "name": created.name,
                "scopes": list(created.scopes),
                "expiresAt": created.expires_at,
            },
        )
        self.stdout.write(f"API key '{created.name}' created (id {created.key_id}).")
        self.stdout.write("Copy it now, it is not shown again:")
        self.stdout.write(str(created.key))

    def _revoke(self, options: dict[str, Any]) -> None:
        revoked = services.revoke_named_api_key(options["key_id"])
        record_event(
            "api_key.revoke",
            actor=ACTOR,
            target_type="api_key",
            target_id=revoked.key_id,
            details={"name": revoked.name},
        )
        self.stdout.write(f"API key '{revoked.name}' revoked")
