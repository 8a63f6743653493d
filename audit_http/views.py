"""``GET /api/v1/audit-log``: the audit log, newest first, filtered and paged (not in the
reference)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.authentication import admin, api_key, chain
from audit import services
from audit.domain import AuditQuery
from audit_http.serializers import AuditLogQuerySerializer, AuditLogSerializer, body
from meet.api.query import query_params
from meet.api.views import MeetAPIView


class AuditLogView(MeetAPIView):
    authentication_classes = chain(api_key, admin)
    api_key_scopes = {"GET": ("audit:read",)}
    operations = {"get": "getting audit events"}

    @extend_schema(
        parameters=[AuditLogQuerySerializer],
        responses={200: AuditLogSerializer},
        tags=["audit"],
        summary="List audit events, newest first",
        description=(
            "State-changing actions with who, when, what and from where. Filters combine; a "
            "filtered listing looks at a bounded number of events per request, so a page may "
            "hold fewer than maxItems events and still carry a nextPageToken."
        ),
    )
    def get(self, request: Request) -> Response:
        query = self.validated(AuditLogQuerySerializer, query_params(request))
        page = services.list_events(
            AuditQuery(
                action=query.get("action", ""),
                actor_kind=query.get("actor_kind", ""),
                actor=query.get("actor", ""),
                target_type=query.get("target_type", ""),
                target_id=query.get("target_id", ""),
                since=query.get("since"),
                until=query.get("until"),
            ),
            max_items=query["max_items"],
            page_token=query.get("next_page_token"),
        )
        return self.respond(AuditLogSerializer, body(page, query["max_items"]))
