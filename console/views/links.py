"""The pages behind the links the API hands out, when no front-end build serves them.

``/room/{roomId}?secret=…`` is a page of the OpenVidu Meet front end. With ``MEET_FRONTEND_DIR``
it is that build's ``index.html``; without one the reference would answer Express' ``404`` page,
so we answer ``404`` too (no client mistakes it for a front end), with a body that shows the
room the link opens and how a front end joins it.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from console.views.base import console_view
from meet import frontend
from meet.http import base_url_for
from meet.views import not_found
from rooms import services as room_services
from rooms.domain import sanitize_room_id


@console_view(public=True)
def room_link(request: HttpRequest, room_id: str) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return not_found(request)
    index = frontend.index_response(request)
    if index is not None:
        return index
    secret = request.GET.get("secret", "")
    room = room_services.find_room(sanitize_room_id(room_id))
    role = room.role_for_secret(secret) if room is not None else None
    context = {
        "room": room if role is not None else None,
        "room_id": room_id,
        "role": role,
        "has_secret": bool(secret),
        "base_url": base_url_for(request),
        "secret": secret if role is not None else "",
        "livekit_url": settings.LIVEKIT_URL,
    }
    return render(request, "console/room_link.html", context, status=404)
