"""Output serializers: every response body is rendered by one, so the OpenAPI description shows
its real shape and the wire names are declared in one place (style §27).

An output serializer reads a domain object (or a mapping) and writes its wire names in
declaration order. Fields listed in ``omit_when_none`` are left out when their value is None, as
JavaScript's ``JSON.stringify`` leaves out ``undefined``; whole floats lose their ``.0`` in the
renderer (``meet.javascript.numbers``).
"""

from __future__ import annotations

import copy
from enum import IntEnum
from typing import Any, ClassVar, NamedTuple

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField, empty
from rest_framework.fields import get_attribute as read_attribute

from meet import javascript


class _Kind(IntEnum):
    PLAIN = 0  # one of this module's read-only fields: needs no binding, no context
    NESTED = 1  # an output serializer
    MANY = 2  # a list of an output serializer
    BOUND = 3  # anything else: a copy bound to its parent, as DRF binds its deep copy


class _Step(NamedTuple):
    name: str
    attrs: list[str]
    field: Any  # the declared field (shared: only stateless calls are made on it)
    kind: _Kind


class OutputSerializer(serializers.Serializer):
    """Renders as DRF's ``Serializer.to_representation`` does, without its per-instance deep
    copy of every declared field (``self.fields``): that copy re-ran every field's ``__init__``
    on each response and cost about two thirds of ``GET /api/v1/rooms/{id}``. The declared fields
    are walked from a plan built once per class; the module's plain fields are stateless, nested
    output serializers are rendered by a shallow copy bound to their parent (so ``context``
    still comes from the root), and any other field is copied and bound to its parent as DRF
    binds its deep copy. ``self.fields`` (the OpenAPI description, validation) is untouched."""

    omit_when_none: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def _plan(cls) -> tuple[_Step, ...]:
        plan: tuple[_Step, ...] | None = cls.__dict__.get("_output_plan")
        if plan is None:
            plan = tuple(
                _step(name, field)
                for name, field in cls._declared_fields.items()
                if not field.write_only
            )
            cls._output_plan = plan  # type: ignore[attr-defined]
        return plan

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for step in self._plan():
            try:
                value = _read(step, instance)
            except SkipField:
                continue
            if value is None:
                data[step.name] = None
            elif step.kind is _Kind.PLAIN:
                data[step.name] = step.field.to_representation(value)
            elif step.kind is _Kind.NESTED:
                data[step.name] = _child(step.field, step.name, self).to_representation(value)
            elif step.kind is _Kind.MANY:
                child = _child(step.field.child, step.name, self)
                data[step.name] = [child.to_representation(item) for item in value]
            else:
                field = copy.copy(step.field)
                field.bind(step.name, self)
                data[step.name] = field.to_representation(value)
        for name in self.omit_when_none:
            if data.get(name) is None:
                data.pop(name, None)
        return data


def _step(name: str, field: Any) -> _Step:
    source = field.source or name
    attrs = [] if source == "*" else source.split(".")
    if type(field) in _PLAIN_FIELDS:
        kind = _Kind.PLAIN
    elif isinstance(field, serializers.ListSerializer) and isinstance(
        field.child, OutputSerializer
    ):
        kind = _Kind.MANY
    elif isinstance(field, OutputSerializer):
        kind = _Kind.NESTED
    else:
        kind = _Kind.BOUND
    return _Step(name, attrs, field, kind)


def _read(step: _Step, instance: Any) -> Any:
    """``Field.get_attribute`` of the declared field, with its rules for a missing value."""
    try:
        return read_attribute(instance, step.attrs)
    except (KeyError, AttributeError):
        field = step.field
        if field.default is not empty:
            return field.get_default()
        if field.allow_null:
            return None
        if not field.required:
            raise SkipField() from None
        raise


def _child(declared: OutputSerializer, name: str, parent: Any) -> OutputSerializer:
    """A shallow copy of a declared nested serializer, bound under ``parent`` (its ``context``
    is the root's); its own fields are rendered from its class's plan in turn."""
    child = object.__new__(type(declared))
    child.__dict__.update(declared.__dict__)
    child.__dict__.pop("fields", None)
    child.field_name = name
    child.parent = parent
    return child


def render(serializer_class: type[OutputSerializer], instance: Any, **context: Any) -> Any:
    """The wire body of ``instance``; ``many=True`` for a list is ``render_many``."""
    return serializer_class(instance, context=context).data


class RenderMemo:
    """The rendered bodies of immutable instances, kept while the instance itself is in use.

    The in-process copies of ``meet.local_cache`` are frozen and shared: as long as a route is
    handed the same object, its body for the same context is the same, and rendering it again
    was a quarter of a cached ``GET /api/v1/rooms/{id}``. An entry is keyed by the instance's
    identity and holds the instance, so it can never answer for another object (an id is not
    reused while the entry keeps its object alive); a changed document is a new object, hence a
    new entry. At most ``size`` entries: when full, the memo starts over. ``context`` values
    must be hashable; the instance must not change (a frozen dataclass)."""

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._entries: dict[tuple[Any, ...], tuple[Any, Any]] = {}

    def render(
        self, serializer_class: type[OutputSerializer], instance: Any, **context: Any
    ) -> Any:
        key = (id(instance), serializer_class, *sorted(context.items()))
        entry = self._entries.get(key)
        if entry is not None and entry[0] is instance:
            return entry[1]
        # Kept with its numbers already as JavaScript writes them (the renderer skips it).
        data = javascript.Settled(javascript.numbers(render(serializer_class, instance, **context)))
        if len(self._entries) >= self._size:
            self._entries.clear()
        self._entries[key] = (instance, data)
        return data


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


# Exact types (a subclass may read its context): their representation needs no binding.
_PLAIN_FIELDS = (Number, Text, Flag, TextList)


class MessageSerializer(OutputSerializer):
    message = Text()


class TokenSerializer(OutputSerializer):
    token = Text()
