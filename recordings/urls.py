from __future__ import annotations

from django.urls import URLPattern

from meet.api.routing import route
from recordings.views import internal, public

public_urlpatterns: list[URLPattern] = [
    route("recordings", public.RecordingListView.as_view()),
    route("recordings/download", public.RecordingDownloadView.as_view()),
    route("recordings/<recordingId>", public.RecordingDetailView.as_view()),
    route("recordings/<recordingId>/media", public.RecordingMediaView.as_view()),
    route("recordings/<recordingId>/url", public.RecordingUrlView.as_view()),
]
internal_urlpatterns = [
    route("rooms/<roomId>/recording-token", internal.RecordingTokenView.as_view()),
    route("recordings", internal.RecordingStartView.as_view()),
    route("recordings/<recordingId>/stop", internal.RecordingStopView.as_view()),
]
