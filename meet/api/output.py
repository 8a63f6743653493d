"""Output serializers: every response body is rendered by one, so the OpenAPI description shows
its real shape and the wire names are declared in one place (style §27).

An output serializer reads a domain object (or a mapping) and writes its wire names in
declaration order. Fields listed in ``omit_when_none`` are left out when their value is None, as
JavaScript's ``JSON.stringify`` leaves out ``undefined``; whole floats lose their ``.0`` in the
renderer (``meet.javascript.numbers``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class OutputSerializer(serializers.Serializer):
    omit_when_none: ClassVar[frozenset[str]] = frozenset()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data: dict[str, Any] = dict(super().to_representation(instance))
        for name in self.omit_when_none:
            if data.get(name) is None:
                data.pop(name, None)
        return data


def render(serializer_class: type[OutputSerializer], instance: Any, **context: Any) -> Any:
    """The wire body of ``instance``; ``many=True`` for a list is ``render_many``."""
    return serializer_class(instance, context=context).data


def render_many(serializer_class: type[OutputSerializer], items: Any, **context: Any) -> Any:
    return serializer_class(items, many=True, context=context).data


@extend_schema_field(OpenApiTypes.NUMBER)
class Number(serializers.Field):
    """A number as stored: an int stays an int, a (possibly fractional) float a float."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: Any) -> Any:
        return value


class Text(serializers.CharField):
    """A string (a StrEnum renders as its value)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)


class Flag(serializers.BooleanField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)


class TextList(serializers.ListField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=Text(), read_only=True, **kwargs)


class MessageSerializer(OutputSerializer):
    message = Text()


class TokenSerializer(OutputSerializer):
    token = Text()
