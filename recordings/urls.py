from __future__ import annotations

from django.urls import URLPattern

from meet.api.views import route
from recordings import lifecycle_views, views

public_urlpatterns: list[URLPattern] = [
    route("recordings", views.RecordingListView.as_view()),
    route("recordings/download", views.RecordingDownloadView.as_view()),
    route("recordings/<recordingId>", views.RecordingDetailView.as_view()),
    route("recordings/<recordingId>/media", views.RecordingMediaView.as_view()),
    route("recordings/<recordingId>/url", views.RecordingUrlView.as_view()),
]
internal_urlpatterns = [
    route("rooms/<roomId>/recording-token", lifecycle_views.RecordingTokenView.as_view()),
    route("recordings", lifecycle_views.RecordingStartView.as_view()),
    route("recordings/<recordingId>/stop", lifecycle_views.RecordingStopView.as_view()),
]
