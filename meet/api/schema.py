"""drf-spectacular descriptions of our zod-style fields (imported by MeetConfig.ready)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_array_type, build_basic_type
from drf_spectacular.types import OpenApiTypes


class StringFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "meet.api.fields.StringField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> Any:
        return build_basic_type(OpenApiTypes.STR)


class BooleanFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "meet.api.fields.BooleanField"

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> Any:
        return build_basic_type(OpenApiTypes.BOOL)


class NumberFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "meet.api.fields.NumberField"

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> Any:
        return build_basic_type(OpenApiTypes.NUMBER)


class EnumFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "meet.api.fields.EnumField"

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> Any:
        return {"type": "string", "enum": list(self.target.choices)}


class ArrayFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "meet.api.fields.ArrayField"

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> Any:
        child = auto_schema._map_serializer_field(self.target.child, direction)
        return build_array_type(child)


class CoercedNumberFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "meet.api.fields.CoercedNumberField"

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> Any:
        return build_basic_type(OpenApiTypes.NUMBER)


class AnyFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "meet.api.fields.AnyField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> Any:
        return build_basic_type(OpenApiTypes.STR)


class MeetAutoSchema(AutoSchema):
    """Operation ids from the view and the method (``get_RoomList``): one view per URL, so
    they are unique (the default derives them from the path and collides)."""

    def get_operation_id(self) -> str:
        return f"{self.method.lower()}_{type(self.view).__name__.removesuffix('View')}"


def schema_paths_hook(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular post-processing: routes accept an optional trailing slash; show none."""
    result["paths"] = {
        (path.rstrip("/") or "/"): item for path, item in result.get("paths", {}).items()
    }
    return result
