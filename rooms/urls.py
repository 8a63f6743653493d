from __future__ import annotations

from django.urls import URLPattern

from meet.api.views import route
from rooms import views

public_urlpatterns = [
    route("rooms", views.RoomListView.as_view()),
    route("rooms/<roomId>", views.RoomDetailView.as_view()),
    route("rooms/<roomId>/config", views.RoomConfigView.as_view()),
    route("rooms/<roomId>/status", views.RoomStatusView.as_view()),
]
internal_urlpatterns: list[URLPattern] = []
