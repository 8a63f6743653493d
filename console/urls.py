"""The console's routes, mounted at ``/console/`` by ``meet/urls.py`` (before the catch-all)."""

from __future__ import annotations

from django.urls import path, re_path

from console.views import (
    api_keys,
    audit,
    auth,
    configuration,
    metrics,
    operations,
    recordings,
    rooms,
    webhooks,
)

app_name = "console"

urlpatterns = [
    path("", operations.overview, name="overview"),
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("rooms/", rooms.room_list, name="room_list"),
    path("rooms/new/", rooms.room_create, name="room_create"),
    path("rooms/delete/", rooms.room_bulk_delete, name="room_bulk_delete"),
    path("rooms/<str:room_id>/", rooms.room_detail, name="room_detail"),
    path("rooms/<str:room_id>/config/", rooms.room_config, name="room_config"),
    path("rooms/<str:room_id>/status/", rooms.room_status, name="room_status"),
    path("rooms/<str:room_id>/delete/", rooms.room_delete, name="room_delete"),
    path("recordings/", recordings.recording_list, name="recording_list"),
    path("recordings/download/", recordings.recording_download, name="recording_download"),
    path("recordings/delete/", recordings.recording_bulk_delete, name="recording_bulk_delete"),
    path("recordings/<str:recording_id>/", recordings.recording_detail, name="recording_detail"),
    path(
        "recordings/<str:recording_id>/media/", recordings.recording_media, name="recording_media"
    ),
    path(
        "recordings/<str:recording_id>/share/", recordings.recording_share, name="recording_share"
    ),
    path(
        "recordings/<str:recording_id>/delete/",
        recordings.recording_delete,
        name="recording_delete",
    ),
    path("settings/", configuration.settings_page, name="settings"),
    path("settings/security/", configuration.settings_security, name="settings_security"),
    path("settings/webhooks/", configuration.settings_webhooks, name="settings_webhooks"),
    path(
        "settings/webhooks/test/",
        configuration.settings_webhook_test,
        name="settings_webhook_test",
    ),
    path("settings/appearance/", configuration.settings_appearance, name="settings_appearance"),
    path("webhooks/", webhooks.webhooks_page, name="webhooks"),
    path("webhooks/secret/", webhooks.signing_secret_set, name="webhooks_secret_set"),
    path("webhooks/secret/rotate/", webhooks.signing_secret_rotate, name="webhooks_secret_rotate"),
    path("webhooks/secret/clear/", webhooks.signing_secret_clear, name="webhooks_secret_clear"),
    path("webhooks/redeliver/", webhooks.delivery_redeliver_since, name="webhooks_redeliver_since"),
    path(
        "webhooks/deliveries/<str:delivery_id>/redeliver/",
        webhooks.delivery_redeliver,
        name="webhooks_redeliver",
    ),
    path("api-key/", auth.api_key, name="api_key"),
    path("api-key/generate/", auth.api_key_generate, name="api_key_generate"),
    path("api-key/revoke/", auth.api_key_revoke, name="api_key_revoke"),
    path("api-keys/", api_keys.api_keys, name="api_keys"),
    path("api-keys/<str:key_id>/revoke/", api_keys.api_key_delete, name="api_key_delete"),
    path("account/", auth.account, name="account"),
    path("audit/", audit.audit_log, name="audit_log"),
    path("maintenance/", operations.maintenance, name="maintenance"),
    path("metrics/", metrics.metrics_page, name="metrics"),
    path("maintenance/<str:collector>/run/", operations.maintenance_run, name="maintenance_run"),
    re_path(r"^static/(?P<path>.+)$", operations.static, name="static"),
]
