"""Public recordings API (api-contract.md §4.9-4.15).

Most routes authenticate first (chain API key, admin, recording token). ``GET /recordings/{id}``
and ``/media`` validate first and then pick their chain from ``?secret=`` (§2.11), so they
declare no authentication class and authenticate in the handler.

Media and ZIP answers are ``StreamingHttpResponse``s, not DRF ``Response``s. Every check that
can fail runs before one is built, so errors still leave through the JSON exception handler.
"""

from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.authentication import principal_of
from meet.api.output import MessageSerializer
from meet.api.pagination import pagination
from meet.api.query import query_params
from meet.api.views import MeetAPIView
from meet.http import base_url_for
from recordings import media, permissions, selectors
from recordings.serializers.public import (
    BulkRecordingDeletionFailureSerializer,
    BulkRecordingDeletionSerializer,
    MediaRequestSerializer,
    RecordingIdSerializer,
    RecordingIdsQuerySerializer,
    RecordingListQuerySerializer,
    RecordingListSerializer,
    RecordingRequestSerializer,
    RecordingSerializer,
    RecordingUrlRequestSerializer,
    RecordingUrlSerializer,
    bulk_deletion,
    parse_range,
    range_header,
)
from recordings.services import deletion, sharing
from rooms.serializers.public import parse_fields

TAGS = ["recordings"]
MEDIA_CACHE_CONTROL = "public, max-age=3600"


def _media_response(portion: media.MediaPortion) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        portion.body, status=206 if portion.partial else 200, content_type="video/mp4"
    )
    if portion.partial:
        response["Content-Range"] = f"bytes {portion.start}-{portion.end}/{portion.size}"
    response["Accept-Ranges"] = "bytes"
    response["Content-Length"] = str(portion.length)
    response["Cache-Control"] = MEDIA_CACHE_CONTROL
    return response


class RecordingListView(MeetAPIView):
    api_key_scopes = {"GET": ("recordings:read",), "DELETE": ("recordings:write",)}
    authentication_classes = permissions.RECORDING_CHAIN
    operations = {"get": "getting recordings", "delete": "deleting recordings"}

    @extend_schema(
        parameters=[RecordingListQuerySerializer],
        responses={200: RecordingListSerializer},
        tags=TAGS,
    )
    def get(self, request: Request) -> Response:
        permissions.check_can_retrieve(principal_of(request))
        query = self.validated(RecordingListQuerySerializer, query_params(request))
        page = selectors.list_recordings(
            room_id_prefix=query.get("room_id", ""),
            limit=query["max_items"],
            page_token=query.get("next_page_token"),
            only_room=permissions.token_room(principal_of(request)),
        )
        return self.respond(
            RecordingListSerializer,
            {"recordings": page.items, "pagination": pagination(page, query["max_items"])},
            fields=parse_fields(query.get("fields")),
        )

    @extend_schema(
        parameters=[RecordingIdsQuerySerializer],
        responses={
            200: BulkRecordingDeletionSerializer,
            400: BulkRecordingDeletionFailureSerializer,
        },
        tags=TAGS,
    )
    def delete(self, request: Request) -> Response:
        query = self.validated(RecordingIdsQuerySerializer, query_params(request))
        permissions.check_can_delete(principal_of(request))
        result = deletion.delete_recordings(
            recording_ids=query["recording_ids"],
            room_id=permissions.token_room(principal_of(request)),
        )
        serializer, body, status = bulk_deletion(result.deleted, result.failed)
        return self.respond(serializer, body, status)


class RecordingDownloadView(MeetAPIView):
    api_key_scopes = {"GET": ("recordings:read",)}
    authentication_classes = permissions.RECORDING_CHAIN
    operations = {"get": "downloading recordings"}

    @extend_schema(
        parameters=[RecordingIdsQuerySerializer], responses={200: OpenApiTypes.BINARY}, tags=TAGS
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        query = self.validated(RecordingIdsQuerySerializer, query_params(request))
        permissions.check_can_retrieve(principal_of(request))
        recording_ids = selectors.recordings_of_room(
            query["recording_ids"], permissions.token_room(principal_of(request))
        )
        response = StreamingHttpResponse(
            media.ZipBody(recording_ids), content_type="application/zip"
        )
        response["Content-Disposition"] = 'attachment; filename="recordings.zip"'
        return response


class RecordingDetailView(MeetAPIView):
    api_key_scopes = {"GET": ("recordings:read",), "DELETE": ("recordings:write",)}
    # GET authenticates in the handler, after validation (see the module docstring).
    authentication_by_method = {"DELETE": permissions.RECORDING_CHAIN}
    operations = {
        "get": "getting recording '{recordingId}'",
        "delete": "deleting recording '{recordingId}'",
    }

    @extend_schema(responses={200: RecordingSerializer}, tags=TAGS)
    def get(self, request: Request, recordingId: str) -> Response:  # noqa: N803 - route name
        params = query_params(request)
        data = self.validated(
            RecordingRequestSerializer, {"params": {"recordingId": recordingId}, "query": params}
        )
        recording_id = data["params"]["recording_id"]
        principal = permissions.authenticate_reader(
            request, recording_id, data["query"].get("secret")
        )
        permissions.check_can_retrieve(principal, recording_id.room_id)
        recording = selectors.get_recording(recording_id)
        fields = parse_fields(params.get("fields"))
        return self.respond(RecordingSerializer, recording, fields=fields)

    @extend_schema(responses={200: MessageSerializer}, tags=TAGS)
    def delete(self, request: Request, recordingId: str) -> Response:  # noqa: N803
        data = self.validated(RecordingIdSerializer, {"recordingId": recordingId})
        recording_id = data["recording_id"]
        permissions.check_can_delete(principal_of(request), recording_id.room_id)
        deletion.delete_recording(recording_id)
        message = f"Recording '{recording_id}' deleted successfully"
        return self.respond(MessageSerializer, {"message": message})


class RecordingMediaView(MeetAPIView):
    api_key_scopes = {"GET": ("recordings:read",)}
    # Authenticates in the handler, after validation (see the module docstring).
    operations = {"get": "streaming recording '{recordingId}'"}

    @extend_schema(responses={200: OpenApiTypes.BINARY, 206: OpenApiTypes.BINARY}, tags=TAGS)
    def get(self, request: Request, recordingId: str) -> StreamingHttpResponse:  # noqa: N803
        data = self.validated(
            MediaRequestSerializer,
            {
                "params": {"recordingId": recordingId},
                "query": query_params(request),
                "headers": range_header(request),
            },
        )
        recording_id = data["params"]["recording_id"]
        principal = permissions.authenticate_reader(
            request, recording_id, data["query"].get("secret")
        )
        permissions.check_can_retrieve(principal, recording_id.room_id)
        requested = data["headers"].get("range")
        portion = media.open_recording_media(
            recording_id, parse_range(requested) if requested else None
        )
        return _media_response(portion)


class RecordingUrlView(MeetAPIView):
    api_key_scopes = {"GET": ("recordings:read",)}
    authentication_classes = permissions.RECORDING_CHAIN
    operations = {"get": "getting URL for recording '{recordingId}'"}

    @extend_schema(responses={200: RecordingUrlSerializer}, tags=TAGS)
    def get(self, request: Request, recordingId: str) -> Response:  # noqa: N803
        data = self.validated(
            RecordingUrlRequestSerializer,
            {"params": {"recordingId": recordingId}, "query": query_params(request)},
        )
        recording_id = data["params"]["recording_id"]
        permissions.check_can_retrieve(principal_of(request), recording_id.room_id)
        url = sharing.share_url(
            recording_id=recording_id,
            private=data["query"]["private_access"],
            base_url=base_url_for(request),
        )
        return self.respond(RecordingUrlSerializer, {"url": url})
