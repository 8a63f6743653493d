"""Recordings: a selection of recording ids."""

from __future__ import annotations

from typing import Any

from django import forms

from console.forms.base import SerializerForm
from recordings.serializers.public import RecordingIdsQuerySerializer


class RecordingIdsForm(SerializerForm):
    serializer_class = RecordingIdsQuerySerializer
    error_fields = {"recordingIds": "recording_ids"}
    recording_ids = forms.CharField(required=False)  # comma-separated, as the API's query

    def payload(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        return {"recordingIds": cleaned.get("recording_ids") or ""}

    @classmethod
    def from_request(cls, data: Any) -> RecordingIdsForm:
        """Ids from checkboxes (``recording_ids`` repeated) or one comma-separated value."""
        values = data.getlist("recording_ids") if hasattr(data, "getlist") else []
        return cls({"recording_ids": ",".join(values)})
