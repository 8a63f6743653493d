"""Named (scoped) API keys: the creation form."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.domain import API_KEY_SCOPES
from accounts.serializers import ApiKeyCreateSerializer
from console.forms.base import SerializerForm
from meet.clock import now_ms

DAY_MS = 86_400_000
SCOPE_LABELS = {
    "rooms:read": "rooms:read (list and read rooms)",
    "rooms:write": "rooms:write (create, change, delete rooms)",
    "recordings:read": "recordings:read (list, read, download recordings)",
    "recordings:write": "recordings:write (delete recordings)",
    "config": "config",
    "audit:read": "audit:read",
    "keys": "keys (manage API keys, up to its own scopes)",
}


class NamedApiKeyForm(SerializerForm):
    serializer_class = ApiKeyCreateSerializer
    error_fields = {"expiresAt": "expires_in_days"}
    id_prefix = "key"

    name = forms.CharField(max_length=200, required=False)
    scopes = forms.MultipleChoiceField(
        choices=[(scope, SCOPE_LABELS[scope]) for scope in API_KEY_SCOPES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    expires_in_days = forms.IntegerField(
        label="Expires after (days)",
        required=False,
        min_value=1,
        max_value=3650,
        help_text="Leave empty for a key that does not expire.",
    )

    def payload(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {"name": cleaned.get("name") or "", "scopes": cleaned["scopes"]}
        days = cleaned.get("expires_in_days")
        if days:
            body["expiresAt"] = now_ms() + days * DAY_MS
        return body
