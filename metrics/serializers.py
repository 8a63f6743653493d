"""Wire format of ``GET /api/v1/metrics`` (output only; the summary is built as plain dicts)."""

from __future__ import annotations

from rest_framework import serializers


class InventorySerializer(serializers.Serializer):
    meetingsLive = serializers.IntegerField(allow_null=True)
    rooms = serializers.IntegerField(allow_null=True)
    recordingsByStatus = serializers.DictField(child=serializers.IntegerField())
    updatedAt = serializers.IntegerField(
        allow_null=True, help_text="When the inventory was computed (epoch milliseconds)."
    )


class RouteMetricsSerializer(serializers.Serializer):
    method = serializers.CharField()
    route = serializers.CharField(help_text="The URL template, e.g. /api/v1/rooms/<roomId>.")
    requests = serializers.IntegerField()
    serverErrors = serializers.IntegerField(help_text="Answers with a 5xx status.")
    averageSeconds = serializers.FloatField(allow_null=True)


class HttpMetricsSerializer(serializers.Serializer):
    requests = serializers.IntegerField()
    byStatus = serializers.DictField(
        child=serializers.IntegerField(), help_text="By status class: 2xx, 4xx..."
    )
    routes = RouteMetricsSerializer(many=True)


class WebhookMetricsSerializer(serializers.Serializer):
    byOutcome = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="delivered, error (an attempt the receiver failed), failed (given up), "
        "dropped (webhooks off or no API key).",
    )
    averageSeconds = serializers.FloatField(allow_null=True)


class CollectorMetricsSerializer(serializers.Serializer):
    collector = serializers.CharField()
    runs = serializers.DictField(
        child=serializers.IntegerField(), help_text="completed, skipped, failed."
    )
    itemsChanged = serializers.IntegerField()
    averageSeconds = serializers.FloatField(allow_null=True)
    lastRunAt = serializers.IntegerField(allow_null=True)


class DependencyMetricsSerializer(serializers.Serializer):
    dependency = serializers.CharField(help_text="redis, s3 or livekit.")
    up = serializers.BooleanField(allow_null=True)
    calls = serializers.IntegerField()
    failedCalls = serializers.IntegerField(help_text="Calls that found it unreachable.")
    failures = serializers.IntegerField(help_text="Times it was found unreachable.")
    averageSeconds = serializers.FloatField(allow_null=True)


class MetricsSummarySerializer(serializers.Serializer):
    multiprocess = serializers.BooleanField(
        help_text="Whether the figures are every process's (PROMETHEUS_MULTIPROC_DIR)."
    )
    inventory = InventorySerializer()
    http = HttpMetricsSerializer()
    webhooks = WebhookMetricsSerializer()
    collectors = CollectorMetricsSerializer(many=True)
    dependencies = DependencyMetricsSerializer(many=True)
