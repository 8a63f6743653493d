"""DRF fields and a serializer base that validate like the reference's zod schemas.

The reference reports zod 3's messages (``Required``, ``Expected string, received number``,
``Invalid enum value. Expected 'a' | 'b', received 'c'``) and never coerces types, so these
fields are strict where DRF's own would coerce ("1" -> True, 1 -> "1").
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlparse

from rest_framework import serializers
from rest_framework.fields import SkipField, empty


def zod_type(value: Any) -> str:
    """The ``received`` word zod uses for a parsed JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "number"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return "unknown"


def type_error(expected: str, value: Any) -> serializers.ValidationError:
    return serializers.ValidationError(f"Expected {expected}, received {zod_type(value)}")


class CheckFailed(serializers.ValidationError):
    """A failed check (length, pattern...). zod calls such a result "dirty": unlike a type
    error it does not stop the object's refinements from running."""

    dirty = True


def is_dirty(error: serializers.ValidationError) -> bool:
    return bool(getattr(error, "dirty", False))


class ZodField(serializers.Field):
    expected = "unknown"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault("required", "Required")
        super().__init__(**kwargs)

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        if data is None and not self.allow_null:
            raise type_error(self.expected, None)
        return super().validate_empty_values(data)

    def to_representation(self, value: Any) -> Any:
        return value


class AnyField(ZodField):
    """``z.any()`` that is still required: the value is checked by the serializer."""

    def to_internal_value(self, data: Any) -> Any:
        return data


class StringField(ZodField):
    """``z.string()`` with optional checks; every failing check is reported, as zod does."""

    expected = "string"

    def __init__(
        self,
        *,
        checks: tuple[tuple[Callable[[str], bool], str], ...] = (),
        trim: bool = False,
        transform: Callable[[str], str] | None = None,
        **kwargs: Any,
    ) -> None:
        self.checks = checks
        self.trim = trim
        self.transform = transform
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            raise type_error("string", data)
        value = data.strip() if self.trim else data
        messages = [message for check, message in self.checks if not check(value)]
        if messages:
            raise CheckFailed(messages)
        return self.transform(value) if self.transform else value


def min_length(length: int, message: str) -> tuple[Callable[[str], bool], str]:
    return (lambda value: len(value) >= length, message)


def max_length(length: int, message: str) -> tuple[Callable[[str], bool], str]:
    return (lambda value: len(value) <= length, message)


def matches(pattern: str, message: str) -> tuple[Callable[[str], bool], str]:
    compiled = re.compile(pattern)
    return (lambda value: compiled.search(value) is not None, message)


def is_url(value: str) -> bool:
    """Roughly WHATWG ``new URL(value)`` succeeding: a scheme and something after it."""
    parsed = urlparse(value)
    if not parsed.scheme or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", parsed.scheme):
        return False
    if parsed.scheme.lower() in {"http", "https", "ws", "wss", "ftp"}:
        return bool(parsed.netloc) and " " not in parsed.netloc
    return bool(value[len(parsed.scheme) + 1 :])


class BooleanField(ZodField):
    expected = "boolean"

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            raise type_error("boolean", data)
        return data


class EnumField(ZodField):
    def __init__(self, choices: tuple[str, ...], **kwargs: Any) -> None:
        self.choices = choices
        self.expected = " | ".join(f"'{choice}'" for choice in choices)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            raise type_error(self.expected, data)
        if data not in self.choices:
            raise serializers.ValidationError(
                f"Invalid enum value. Expected {self.expected}, received '{data}'"
            )
        return data


class NumberField(ZodField):
    """``z.number()`` with optional checks (computed at validation time, e.g. "now + 1 h")."""

    expected = "number"

    def __init__(
        self, *, checks: tuple[tuple[Callable[[float], bool], str], ...] = (), **kwargs: Any
    ) -> None:
        self.checks = checks
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> float | int:
        if isinstance(data, bool) or not isinstance(data, int | float) or math.isnan(data):
            raise type_error("number", data)
        messages = [message for check, message in self.checks if not check(data)]
        if messages:
            raise CheckFailed(messages)
        return data


class CoercedNumberField(ZodField):
    """``z.coerce.number()`` on a query string value: JavaScript ``Number()``, then checks."""

    expected = "number"

    def __init__(
        self,
        *,
        checks: tuple[tuple[Callable[[float], bool], str], ...] = (),
        transform: Callable[[float], Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.checks = checks
        self.transform = transform
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        from meet.javascript import parse_number

        if isinstance(data, str):
            number = parse_number(data)
        elif isinstance(data, int | float):  # bool is an int: Number(true) is 1
            number = float(data)
        else:
            number = math.nan  # Number([...]) / Number({}) are NaN for anything useful here
        if math.isnan(number):
            raise type_error("number", number)
        messages = [message for check, message in self.checks if not check(number)]
        if messages:
            raise CheckFailed(messages)
        return self.transform(number) if self.transform else number


class ArrayField(ZodField):
    """``z.array(child)`` with an optional exact length check (reported on the array)."""

    expected = "array"

    def __init__(
        self,
        *,
        child: serializers.Field,
        length: tuple[int, str] | None = None,
        **kwargs: Any,
    ) -> None:
        self.child = child
        self.length = length
        super().__init__(**kwargs)
        # A field as the child's parent, as DRF's own ListField binds it.
        self.child.bind(field_name="", parent=self)  # type: ignore[arg-type]

    def to_internal_value(self, data: Any) -> list[Any]:
        if not isinstance(data, list):
            raise type_error("array", data)
        errors: dict[int | str, Any] = {}
        result = []
        dirty = True
        if self.length is not None and len(data) != self.length[0]:
            errors[""] = [self.length[1]]
        for index, item in enumerate(data):
            try:
                result.append(self.child.run_validation(item))
            except serializers.ValidationError as error:
                errors[index] = error.detail
                dirty = dirty and is_dirty(error)
        if errors:
            # zod's error paths index arrays by number (the stubs only allow str keys).
            raise (CheckFailed if dirty else serializers.ValidationError)(errors)  # type: ignore[arg-type]
        return result


class ZodSerializer(serializers.Serializer):
    """An object schema: non-objects get zod's type error, unknown keys are dropped."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.error_messages["required"] = "Required"

    def get_fields(self) -> dict[str, serializers.Field]:
        """The declared fields, each a fresh copy for this instance (DRF binds them to it).

        DRF deep-copies every declared field, which re-runs its ``__init__`` (a fifth of a
        participant token request). A shallow copy of the declared field is the same thing for
        a field that holds no other field: the declared one is never bound or used itself, and
        binding writes only the copy's own attributes. Nested serializers and fields with a
        ``child`` (bound to its parent when created) are deep-copied as DRF does."""
        fields: dict[str, serializers.Field] = {}
        for name, field in self._declared_fields.items():
            holds_fields = isinstance(field, serializers.BaseSerializer) or hasattr(field, "child")
            fields[name] = copy.deepcopy(field) if holds_fields else copy.copy(field)
        return fields

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        if data is None and not self.allow_null:
            raise type_error("object", None)
        return super().validate_empty_values(data)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, Mapping):
            raise type_error("object", data)
        errors: dict[str, Any] = {}
        values: dict[str, Any] = {}
        dirty: dict[str, Any] = {}  # zod hands a value that failed a check on to refinements
        aborted = False
        for field in self._writable_fields:
            try:
                raw = field.get_value(data)
                value = field.run_validation(raw)
            except serializers.ValidationError as error:
                errors[field.field_name or ""] = error.detail
                aborted = aborted or not is_dirty(error)
                if is_dirty(error) and raw is not empty:
                    self.set_value(dirty, field.source_attrs, raw)
            except SkipField:
                continue
            else:
                self.set_value(values, field.source_attrs, value)
        if not aborted:
            for name, messages in self.refine({**values, **dirty}).items():
                errors.setdefault(name, [])
                errors[name] = [*errors[name], *messages]
        if errors:
            raise (serializers.ValidationError if aborted else CheckFailed)(errors)
        return values

    def refine(self, values: dict[str, Any]) -> dict[str, list[str]]:
        """Cross-field rules (zod ``superRefine``); run only when no type error occurred."""
        return {}

    def run_validation(self, data: Any = empty) -> Any:
        if data is not empty and data is not None and not isinstance(data, Mapping):
            raise serializers.ValidationError({"": [f"Expected object, received {zod_type(data)}"]})
        return super().run_validation(data)
