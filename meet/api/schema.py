"""drf-spectacular descriptions of our zod-style fields (imported by MeetConfig.ready)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_array_type, build_basic_type
from drf_spectacular.types import OpenApiTypes


class StringFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "meet.api.fields.StringField"

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
