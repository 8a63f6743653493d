from __future__ import annotations

from meet.api.views import route
from rooms import meeting_views, views

public_urlpatterns = [
    route("rooms/<roomId>/status", views.RoomStatusView.as_view()),
]
internal_urlpatterns = [
    route("rooms/<roomId>/roles", meeting_views.RoomRolesView.as_view()),
    route("rooms/<roomId>/roles/<secret>", meeting_views.RoomRoleView.as_view()),
    route("participants/token", meeting_views.ParticipantTokenView.as_view()),
    route("participants/token/refresh", meeting_views.ParticipantTokenRefreshView.as_view()),
    route("meetings/<roomId>", meeting_views.MeetingView.as_view()),
    route(
        "meetings/<roomId>/participants/<participantIdentity>",
        meeting_views.MeetingParticipantView.as_view(),
    ),
    route(
        "meetings/<roomId>/participants/<participantIdentity>/role",
        meeting_views.MeetingParticipantRoleView.as_view(),
    ),
]
