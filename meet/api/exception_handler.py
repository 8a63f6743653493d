"""The one exception handler: every failure leaves in the reference's wire format."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings

from meet.errors import InternalError, MalformedBodyError, MeetError, PathNotFoundError

logger = logging.getLogger(__name__)

PAYLOAD_TOO_LARGE_HTML = (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n'
    "</head>\n<body>\n<pre>Payload Too Large</pre>\n</body>\n</html>\n"
)


def payload_too_large() -> HttpResponse:
    return HttpResponse(PAYLOAD_TOO_LARGE_HTML, status=413, content_type="text/html; charset=utf-8")


def flatten_validation_errors(detail: Any, path: str = "") -> list[dict[str, str]]:
    """DRF's nested error structure -> ``[{"field": "a.b.0.c", "message": ...}]``."""
    result: list[dict[str, str]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = str(key)
            if name in ("", api_settings.NON_FIELD_ERRORS_KEY):
                child = path
            else:
                child = f"{path}.{name}" if path else name
            result.extend(flatten_validation_errors(value, child))
    elif isinstance(detail, list):
        if detail and all(isinstance(item, dict | list) for item in detail):
            for index, item in enumerate(detail):
                child = f"{path}.{index}" if path else str(index)
                result.extend(flatten_validation_errors(item, child))
        else:
            for item in detail:
                result.extend(flatten_validation_errors(item, path))
    else:
        result.append({"field": path, "message": str(detail)})
    return result


def validation_error_response(detail: Any) -> Response:
    return Response(
        {
            "error": "Unprocessable Entity",
            "message": "Invalid request",
            "details": flatten_validation_errors(detail),
        },
        status=422,
    )


def error_response(error: MeetError) -> Response:
    response = Response(error.body(), status=error.status_code)
    for name, value in getattr(error, "headers", {}).items():
        response[name] = value
    return response


class _Substitutions(dict[str, str]):
    """Route parameters, then the body's top-level values; like JavaScript's template
    ``${roomId}`` of a missing value, an absent one reads ``undefined``."""

    def __missing__(self, key: str) -> str:
        return "undefined"


def operation_text(operation: str, view: Any, request: Any) -> str:
    """``operation`` with its ``{name}`` placeholders filled (``{roomId}`` of
    ``POST /participants/token`` comes from the body)."""
    values = _Substitutions()
    data = getattr(request, "_full_data", None)  # parsed already; never parse in the handler
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                values[str(key)] = str(value)
    values.update({key: str(value) for key, value in (getattr(view, "kwargs", None) or {}).items()})
    try:
        return operation.format_map(values)
    except (IndexError, ValueError):
        return operation


def handle_exception(exc: Exception, context: dict[str, Any]) -> Response | HttpResponse:
    if isinstance(exc, MeetError):
        if exc.status_code >= 500:
            detail = getattr(exc, "detail", "")
            logger.warning("%s: %s%s", exc.error, exc.message, f" ({detail})" if detail else "")
        return error_response(exc)
    if isinstance(exc, exceptions.ValidationError):
        return validation_error_response(exc.detail)
    if isinstance(exc, exceptions.ParseError):
        return error_response(MalformedBodyError())
    if isinstance(exc, RequestDataTooBig):
        return payload_too_large()
    if isinstance(exc, exceptions.MethodNotAllowed | exceptions.NotFound | Http404):
        return error_response(PathNotFoundError())
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return Response({"error": "Authentication Error", "message": "Unauthorized"}, status=401)
    view = context.get("view")
    request = context.get("request")
    method = (getattr(request, "method", "") or "").lower()
    operation = operation_text(
        getattr(view, "operations", {}).get(method, "processing the request"), view, request
    )
    logger.exception("Unexpected error while %s", operation)
    return error_response(InternalError(operation))
