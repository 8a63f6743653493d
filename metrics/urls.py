from __future__ import annotations

from meet.api.routing import re_route, route
from metrics import views

root_urlpatterns = [re_route(r"^metrics/?$", views.prometheus_metrics)]
public_urlpatterns = [route("metrics", views.MetricsSummaryView.as_view())]
