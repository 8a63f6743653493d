"""The base of every console form: a Django form validated again by an API serializer."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from rest_framework.serializers import Serializer

from meet.api.exception_handler import flatten_validation_errors
from rooms.domain import RecordingAccess

ACCESS_LABELS = {
    RecordingAccess.ADMIN: "Admins only",
    RecordingAccess.ADMIN_MODERATOR: "Admins and moderators",
    RecordingAccess.ADMIN_MODERATOR_SPEAKER: "Admins, moderators and speakers",
}


def choices(labels: dict[Any, str], allowed: tuple[str, ...] | None = None) -> list[Any]:
    return [
        (str(value), label) for value, label in labels.items() if not allowed or value in allowed
    ]


class SerializerForm(forms.Form):
    """A form validated a second time by an API serializer.

    ``payload()`` builds the wire body from ``cleaned_data``; the serializer's errors come back
    on the form field named in ``error_fields`` (wire path → field), else as non-field errors.
    ``validated`` holds the serializer's ``validated_data``.
    """

    serializer_class: ClassVar[type[Serializer]]
    error_fields: ClassVar[dict[str, str]] = {}
    # HTML ids are ``{id_prefix}_{field}``: forms sharing a page need distinct prefixes.
    id_prefix: ClassVar[str] = "id"

    validated: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)

    def payload(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        serializer = self.serializer_class(data=self.payload(cleaned))
        if serializer.is_valid():
            self.validated = serializer.validated_data
            return cleaned
        for item in flatten_validation_errors(serializer.errors):
            name = self.error_fields.get(item["field"], item["field"])
            self.add_error(name if name in self.fields else None, item["message"])
        return cleaned
