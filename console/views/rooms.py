"""Rooms: list and search, create, detail (links, config, status), delete and bulk delete."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.exceptions import ValidationError

from console.forms.rooms import (
    RoomBulkDeleteForm,
    RoomConfigForm,
    RoomCreateForm,
    RoomDeleteForm,
    RoomStatusForm,
)
from console.views.base import back, console_view, flash_form_errors, wants_json
from meet.http import base_url_for
from meetings import services as meeting_services
from recordings import selectors as recording_selectors
from rooms import services as room_services
from rooms.domain import Room, sanitize_room_id
from rooms.errors import RoomDeletionConflictError
from rooms.serializers.public import room_body, validated_room_id

PAGE_SIZE = 20


def _room_id(value: str) -> str:
    """The sanitised id of the URL; one that cannot be sanitised is looked up as it is (and
    then not found)."""
    try:
        return validated_room_id(value)
    except ValidationError:
        return value


def _detail_url(room_id: str) -> str:
    return reverse("console:room_detail", args=[room_id])


@require_GET
@console_view
def room_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    page = room_services.list_rooms(
        room_id_prefix=sanitize_room_id(query),
        limit=PAGE_SIZE,
        page_token=request.GET.get("page") or None,
    )
    return render(
        request,
        "console/rooms/list.html",
        {
            "page": "rooms",
            "query": query,
            "rooms": page.items,
            "next_page": page.next_page_token if page.is_truncated else None,
            "is_first_page": not request.GET.get("page"),
            "delete_form": RoomBulkDeleteForm(),
        },
    )


@require_http_methods(["GET", "POST"])
@console_view
def room_create(request: HttpRequest) -> HttpResponse:
    form = RoomCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        room = room_services.create_room(options=form.options())
        messages.success(request, f"Room “{room.room_name}” created.")
        return HttpResponseRedirect(_detail_url(room.room_id))
    return render(request, "console/rooms/create.html", {"page": "rooms", "form": form})


def _render_detail(request: HttpRequest, room: Room, **forms: Any) -> HttpResponse:
    urls = room_body(room, base_url_for(request), fields=["moderatorUrl", "speakerUrl"])
    recordings = recording_selectors.list_recordings(
        room_id_prefix="", limit=1, page_token=None, only_room=room.room_id
    )
    context = {
        "page": "rooms",
        "room": room,
        "moderator_url": urls["moderatorUrl"],
        "speaker_url": urls["speakerUrl"],
        "has_recordings": bool(recordings.items),
        "config_form": forms.get("config_form")
        or RoomConfigForm(initial=RoomConfigForm.initial_for(room.config)),
        "status_form": RoomStatusForm(
            initial={"status": "closed" if room.status == "closed" else "open"}
        ),
        "delete_form": forms.get("delete_form") or RoomDeleteForm(),
    }
    return render(request, "console/rooms/detail.html", context)


@require_GET
@console_view
def room_detail(request: HttpRequest, room_id: str) -> HttpResponse:
    return _render_detail(request, room_services.get_room(_room_id(room_id)))


@require_POST
@console_view
def room_config(request: HttpRequest, room_id: str) -> HttpResponse:
    room = room_services.get_room(_room_id(room_id))
    form = RoomConfigForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, room, config_form=form)
    meeting_services.update_room_config(room_id=room.room_id, config=form.config())
    messages.success(request, "Room configuration saved.")
    return HttpResponseRedirect(_detail_url(room.room_id))


@require_POST
@console_view
def room_status(request: HttpRequest, room_id: str) -> HttpResponse:
    room = room_services.get_room(_room_id(room_id))
    form = RoomStatusForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
        return HttpResponseRedirect(_detail_url(room.room_id))
    status = form.validated["status"]
    _room, scheduled = room_services.update_room_status(room_id=room.room_id, status=status)
    if scheduled:
        messages.info(request, "The room will be closed when the meeting ends.")
    else:
        messages.success(request, f"Room {status}.")
    return HttpResponseRedirect(_detail_url(room.room_id))


@require_POST
@console_view
def room_delete(request: HttpRequest, room_id: str) -> HttpResponse:
    room = room_services.get_room(_room_id(room_id))
    form = RoomDeleteForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, room, delete_form=form)
    try:
        outcome = meeting_services.delete_room(
            room_id=room.room_id,
            with_meeting=form.validated["with_meeting"],
            with_recordings=form.validated["with_recordings"],
        )
    except RoomDeletionConflictError as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(_detail_url(room.room_id))
    if outcome.room is None:
        messages.success(request, outcome.message)
        return HttpResponseRedirect(reverse("console:room_list"))
    messages.info(request, outcome.message)
    return HttpResponseRedirect(_detail_url(room.room_id))


@require_POST
@console_view
def room_bulk_delete(request: HttpRequest) -> HttpResponse:
    """Several rooms with one policy. console.js sends the selection in small batches and
    asks for JSON, to show progress; without JavaScript it is one form post."""
    form = RoomBulkDeleteForm(request.POST)
    if not form.is_valid():
        if wants_json(request):
            return JsonResponse({"message": "Invalid request", "errors": form.errors}, status=422)
        flash_form_errors(request, form)
        return back(request, reverse("console:room_list"))
    result = meeting_services.delete_rooms(
        room_ids=form.validated["room_ids"],
        with_meeting=form.validated["with_meeting"],
        with_recordings=form.validated["with_recordings"],
    )
    successful = [{"roomId": item.room_id, "message": item.message} for item in result.successful]
    failed = [{"roomId": room_id, "message": error.message} for room_id, error in result.failed]
    if wants_json(request):
        return JsonResponse({"successful": successful, "failed": failed})
    for item in successful:
        messages.success(request, item["message"])
    for item in failed:
        messages.error(request, item["message"])
    return back(request, reverse("console:room_list"))
