from __future__ import annotations

from django.urls import URLPattern

root_urlpatterns: list[URLPattern] = []
internal_urlpatterns: list[URLPattern] = []
