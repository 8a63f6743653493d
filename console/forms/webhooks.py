"""The webhooks page's forms: set the signing secret, redeliver failed deliveries since."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import forms

from console.forms.base import SerializerForm
from webhooks.serializers import RedeliverAllInputSerializer, SigningSecretInputSerializer


class SigningSecretForm(SerializerForm):
    serializer_class = SigningSecretInputSerializer
    id_prefix = "signing"
    secret = forms.CharField(
        label="New signing secret",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text="32 to 256 visible ASCII characters. Or let the server generate one: Rotate.",
    )

    def payload(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        return {"secret": cleaned["secret"]}


class RedeliverSinceForm(SerializerForm):
    serializer_class = RedeliverAllInputSerializer
    id_prefix = "redeliver"
    error_fields = {"since": "since"}
    since = forms.DateTimeField(
        label="Failed since (UTC)",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Empty: every failed delivery kept.",
    )
    dry_run = forms.BooleanField(label="Dry run (only count)", required=False)

    def payload(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        since = cleaned.get("since")
        if since is None:
            millis = 0
        else:
            moment = since if since.tzinfo else since.replace(tzinfo=UTC)
            millis = int(moment.astimezone(UTC).timestamp() * 1000)
        return {"since": millis, "dryRun": bool(cleaned.get("dry_run"))}


def utc_now_input() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M")
