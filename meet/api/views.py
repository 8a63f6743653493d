"""The base class every endpoint of the reference API derives from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView


class MeetAPIView(APIView):
    # An endpoint of the reference API. (Comments, not a docstring: drf-spectacular would show a
    # docstring as every endpoint's description.)
    # ``authentication_classes`` is empty by default: views set it with
    # ``accounts.authentication.chain(...)`` so no endpoint inherits a scheme by accident.
    # ``operations`` names what each method does for the ``Unexpected error while …`` 500 body.

    authentication_classes: Sequence[Any] = []
    # Per-method chains where the methods of one URL differ (e.g. GET anonymous, PUT admin).
    authentication_by_method: ClassVar[dict[str, list[Any]]] = {}
    permission_classes: Sequence[Any] = []
    operations: dict[str, str] = {}
    # What a named (scoped) API key needs per method, e.g. ``{"GET": ("rooms:read",)}``.
    # A method not declared refuses every named key (accounts.authentication).
    api_key_scopes: ClassVar[dict[str, tuple[str, ...]]] = {}

    def get_authenticators(self) -> list[Any]:
        request = getattr(self, "request", None)
        method = (getattr(request, "method", None) or "").upper()
        classes = self.authentication_by_method.get(method, self.authentication_classes)
        return [authenticator() for authenticator in classes]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Express parses JSON bodies before any route runs, so a malformed body is
        # ``400 Malformed body`` even before authentication (api-contract.md §1.1).
        if (request.content_type or "").split(";")[0].strip().lower() == "application/json":
            request.data  # noqa: B018 - parsing raises MalformedBodyError
        super().initial(request, *args, **kwargs)

    def validated(self, serializer_class: type[Serializer], data: Any) -> Any:
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def respond(
        self, serializer_class: type[Serializer], instance: Any, status: int = 200, **context: Any
    ) -> Response:
        """``instance`` rendered by its output serializer (``context`` goes to the serializer)."""
        return Response(serializer_class(instance, context=context).data, status=status)
