from __future__ import annotations

from meet.api.routing import route
from meetings import views

public_urlpatterns = [
    route("rooms", views.RoomListView.as_view()),
    route("rooms/<roomId>", views.RoomDetailView.as_view()),
    route("rooms/<roomId>/config", views.RoomConfigView.as_view()),
]
