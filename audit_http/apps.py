from django.apps import AppConfig


class AuditHttpConfig(AppConfig):
    name = "audit_http"
    label = "audit_http"
    default_auto_field = "django.db.models.BigAutoField"
