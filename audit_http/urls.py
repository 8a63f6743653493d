from __future__ import annotations

from audit_http import views
from meet.api.routing import route

public_urlpatterns = [
    route("audit-log", views.AuditLogView.as_view()),
]
