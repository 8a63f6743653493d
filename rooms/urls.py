from __future__ import annotations

from meet.api.routing import route
from rooms.views import internal, public

public_urlpatterns = [
    route("rooms/<roomId>/status", public.RoomStatusView.as_view()),
]
internal_urlpatterns = [
    route("rooms/<roomId>/roles", internal.RoomRolesView.as_view()),
    route("rooms/<roomId>/roles/<secret>", internal.RoomRoleView.as_view()),
    route("participants/token", internal.ParticipantTokenView.as_view()),
    route("participants/token/refresh", internal.ParticipantTokenRefreshView.as_view()),
    route("meetings/<roomId>", internal.MeetingView.as_view()),
    route(
        "meetings/<roomId>/participants/<participantIdentity>",
        internal.MeetingParticipantView.as_view(),
    ),
    route(
        "meetings/<roomId>/participants/<participantIdentity>/role",
        internal.MeetingParticipantRoleView.as_view(),
    ),
]
