"""Recordings: list by room and status, play (ranged media), download one or a ZIP, share
links, delete and bulk delete. The same services as ``/api/v1/recordings``; the console's
session is the credential, so no token ever sits in a URL."""

from __future__ import annotations

from django.contrib import messages
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from console.forms.recordings import RecordingIdsForm
from console.selectors import recordings_page
from console.views.base import back, console_view, error_response, flash_form_errors, wants_json
from meet.http import base_url_for
from recordings import media
from recordings import selectors as recording_selectors
from recordings.domain import RecordingId, RecordingStatus, parse_recording_id
from recordings.errors import RecordingNotFoundError
from recordings.serializers.public import RANGE_PATTERN, parse_range
from recordings.services import deletion
from recordings.services import sharing as recording_sharing
from rooms.domain import sanitize_room_id

PAGE_SIZE = 20


def _recording_id(value: str) -> RecordingId:
    parsed = parse_recording_id(value)
    if parsed is None:
        raise RecordingNotFoundError(value)
    return parsed


@require_GET
@console_view
def recording_list(request: HttpRequest) -> HttpResponse:
    room_id = sanitize_room_id(request.GET.get("room", ""))
    status = request.GET.get("status", "")
    if status not in RecordingStatus.__members__.values():
        status = ""
    page = recordings_page(
        room_id=room_id,
        status=status,
        limit=PAGE_SIZE,
        page_token=request.GET.get("page") or None,
    )
    return render(
        request,
        "console/recordings/list.html",
        {
            "page": "recordings",
            "room": room_id,
            "status": status,
            "statuses": [value.value for value in RecordingStatus],
            "recordings": page.items,
            "next_page": page.next_page_token if page.is_truncated else None,
            "is_first_page": not request.GET.get("page"),
        },
    )


@require_GET
@console_view
def recording_detail(request: HttpRequest, recording_id: str) -> HttpResponse:
    recording = recording_selectors.get_recording(_recording_id(recording_id))
    return render(
        request,
        "console/recordings/detail.html",
        {"page": "recordings", "recording": recording, "playable": recording.status == "complete"},
    )


@require_GET
@console_view(cacheable=True)
def recording_media(request: HttpRequest, recording_id: str) -> HttpResponseBase:
    """The MP4, whole or the ``Range`` asked for (206), as ``/recordings/{id}/media``;
    ``?download=1`` makes it an attachment."""
    parsed = _recording_id(recording_id)
    requested = request.headers.get("Range", "")
    byte_range = parse_range(requested) if RANGE_PATTERN.fullmatch(requested) else None
    portion = media.open_recording_media(parsed, byte_range)
    response = StreamingHttpResponse(
        portion.body, status=206 if portion.partial else 200, content_type="video/mp4"
    )
    if portion.partial:
        response["Content-Range"] = f"bytes {portion.start}-{portion.end}/{portion.size}"
    response["Accept-Ranges"] = "bytes"
    response["Content-Length"] = str(portion.length)
    response["Cache-Control"] = "private, max-age=3600"
    if request.GET.get("download"):
        filename = f"{parsed.room_id}--{parsed.uid}.mp4"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_http_methods(["GET", "POST"])
@console_view
def recording_download(request: HttpRequest) -> HttpResponseBase:
    """A ZIP of the chosen recordings, streamed as it is built (POST from the list's checkboxes,
    GET with ``?recording_ids=`` for a link)."""
    form = RecordingIdsForm.from_request(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        message = "; ".join(str(error) for errors in form.errors.values() for error in errors)
        return error_response(request, message, 422)
    response = StreamingHttpResponse(
        media.ZipBody(form.validated["recording_ids"]), content_type="application/zip"
    )
    response["Content-Disposition"] = 'attachment; filename="recordings.zip"'
    return response


@require_POST
@console_view
def recording_share(request: HttpRequest, recording_id: str) -> HttpResponse:
    """A share link: public (anyone with it) or private (viewers must sign in)."""
    private = request.POST.get("access") == "private"
    url = recording_sharing.share_url(
        recording_id=_recording_id(recording_id), private=private, base_url=base_url_for(request)
    )
    if wants_json(request):
        return JsonResponse({"url": url, "private": private})
    messages.success(request, f"{'Private' if private else 'Public'} share link: {url}")
    return HttpResponseRedirect(reverse("console:recording_detail", args=[recording_id]))


@require_POST
@console_view
def recording_delete(request: HttpRequest, recording_id: str) -> HttpResponse:
    parsed = _recording_id(recording_id)
    deletion.delete_recording(parsed)
    messages.success(request, f"Recording {parsed} deleted.")
    return HttpResponseRedirect(f"{reverse('console:recording_list')}?room={parsed.room_id}")


@require_POST
@console_view
def recording_bulk_delete(request: HttpRequest) -> HttpResponse:
    """Like the rooms' bulk delete: batches with JSON from console.js, else one post."""
    form = RecordingIdsForm.from_request(request.POST)
    if not form.is_valid():
        if wants_json(request):
            return JsonResponse({"message": "Invalid request", "errors": form.errors}, status=422)
        flash_form_errors(request, form)
        return back(request, reverse("console:recording_list"))
    result = deletion.delete_recordings(recording_ids=form.validated["recording_ids"])
    failed = [{"recordingId": key, "message": message} for key, message in result.failed]
    if wants_json(request):
        return JsonResponse({"deleted": result.deleted, "failed": failed})
    if result.deleted:
        messages.success(request, f"{len(result.deleted)} recording(s) deleted.")
    for item in failed:
        messages.error(request, item["message"])
    return back(request, reverse("console:recording_list"))
