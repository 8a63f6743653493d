"""Auth, API key, user and global-config endpoints (api-contract.md §5.1, §5.2, §5.7)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import services
from accounts.authentication import (
    actor_of,
    admin,
    anonymous,
    api_key,
    chain,
    principal_of,
    read_refresh_token,
    transport_mode,
    user,
)
from accounts.domain import AuthTransportMode
from accounts.errors import NoRefreshTokenError
from accounts.serializers import (
    AccessTokenSerializer,
    ApiKeyCreateSerializer,
    ApiKeyInfoSerializer,
    ApiKeySerializer,
    AppearanceConfigSerializer,
    AuthTokensSerializer,
    ChangePasswordSerializer,
    LoginSerializer,
    ProfileSerializer,
    RoomsAppearanceUpdateSerializer,
    SecurityConfigSerializer,
    SecurityConfigUpdateSerializer,
    WebhooksConfigSerializer,
    WebhooksConfigUpdateSerializer,
    theme_from_validated,
)
from audit.services import record_event
from meet import ratelimit
from meet.api.cookies import clear_cookie, set_token_cookie
from meet.api.output import MessageSerializer, render_many
from meet.api.views import MeetAPIView
from meet.errors import InsufficientPermissionsError
from meet.http import client_ip

logger = logging.getLogger(__name__)

_TOO_MANY_LOGINS = "Too many login attempts, please try again later"


def _cookie_mode(request: Request) -> bool:
    return transport_mode(request) == AuthTransportMode.COOKIE


class LoginView(MeetAPIView):
    operations = {"post": "generating access and refresh tokens"}

    @extend_schema(request=LoginSerializer, responses={200: AuthTokensSerializer}, tags=["auth"])
    def post(self, request: Request) -> Response | HttpResponse:
        data = self.validated(LoginSerializer, request.data)
        limited = settings.LOGIN_RATE_LIMIT_ENABLED
        ip = client_ip(request)
        rate_key = f"login:{ip}"
        if limited:
            state = ratelimit.hit(
                rate_key,
                limit=settings.LOGIN_RATE_LIMIT,
                window_seconds=settings.LOGIN_RATE_WINDOW_SECONDS,
            )
            request._meet_rate_state = state  # type: ignore[attr-defined]
            if state.exceeded:
                logger.warning("Login rate limit reached for client %s", ip)
                return HttpResponse(
                    _TOO_MANY_LOGINS, status=429, content_type="text/html; charset=utf-8"
                )
        user_, tokens = services.login(username=data["username"], password=data["password"])
        message = f"User '{user_.username}' logged in successfully"
        if _cookie_mode(request):
            response = self.respond(AuthTokensSerializer, {"message": message})
            set_token_cookie(
                response,
                settings.ACCESS_TOKEN_COOKIE,
                tokens.access_token,
                path="/",
                max_age=settings.ACCESS_TOKEN_TTL_SECONDS,
            )
            set_token_cookie(
                response,
                settings.REFRESH_TOKEN_COOKIE,
                tokens.refresh_token,
                path=f"{settings.INTERNAL_API_PREFIX}/auth",
                max_age=settings.REFRESH_TOKEN_TTL_SECONDS,
            )
        else:
            response = self.respond(
                AuthTokensSerializer,
                {
                    "message": message,
                    "access_token": tokens.access_token,
                    "refresh_token": tokens.refresh_token,
                },
            )
        if limited:
            ratelimit.uncount(rate_key)  # successful logins do not count
        return response

    def finalize_response(  # every response that reached the limiter carries its headers
        self, request: Request, response: Any, *args: Any, **kwargs: Any
    ) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        state = getattr(request, "_meet_rate_state", None)
        if state is not None and "X-RateLimit-Limit" not in response:
            for name, value in state.headers().items():
                response[name] = value
        return response


class LogoutView(MeetAPIView):
    operations = {"post": "logging out"}

    @extend_schema(request=None, responses={200: MessageSerializer}, tags=["auth"])
    def post(self, request: Request) -> Response:
        response = self.respond(MessageSerializer, {"message": "Logout successful"})
        if _cookie_mode(request):
            clear_cookie(response, settings.ACCESS_TOKEN_COOKIE, path="/")
            clear_cookie(
                response,
                settings.REFRESH_TOKEN_COOKIE,
                path=f"{settings.INTERNAL_API_PREFIX}/auth",
            )
        return response


class RefreshView(MeetAPIView):
    operations = {"post": "refreshing token"}

    @extend_schema(request=None, responses={200: AccessTokenSerializer}, tags=["auth"])
    def post(self, request: Request) -> Response:
        refresh_token = read_refresh_token(request)
        if not refresh_token:
            raise NoRefreshTokenError()
        user_, access_token = services.refresh_access_token(refresh_token=refresh_token)
        message = f"Access token for user '{user_.username}' successfully refreshed"
        if _cookie_mode(request):
            response = self.respond(AccessTokenSerializer, {"message": message})
            set_token_cookie(
                response,
                settings.ACCESS_TOKEN_COOKIE,
                access_token,
                path="/",
                max_age=settings.ACCESS_TOKEN_TTL_SECONDS,
            )
            return response
        return self.respond(
            AccessTokenSerializer, {"message": message, "access_token": access_token}
        )


class ApiKeysView(MeetAPIView):
    authentication_classes = chain(admin)
    operations = {
        "post": "creating API key",
        "get": "getting API keys",
        "delete": "deleting API keys",
    }

    @extend_schema(request=None, responses={201: ApiKeySerializer}, tags=["api keys"])
    def post(self, request: Request) -> Response:
        return self.respond(ApiKeySerializer, services.create_api_key(), 201)

    @extend_schema(responses={200: ApiKeySerializer(many=True)}, tags=["api keys"])
    def get(self, request: Request) -> Response:
        return Response(render_many(ApiKeySerializer, services.list_api_keys()))

    @extend_schema(responses={200: MessageSerializer}, tags=["api keys"])
    def delete(self, request: Request) -> Response:
        services.delete_api_keys()
        return self.respond(MessageSerializer, {"message": "API keys deleted successfully"})


class ProfileView(MeetAPIView):
    authentication_classes = chain(admin, user)
    operations = {"get": "getting user profile"}

    @extend_schema(responses={200: ProfileSerializer}, tags=["users"])
    def get(self, request: Request) -> Response:
        return self.respond(ProfileSerializer, principal_of(request))


class ChangePasswordView(MeetAPIView):
    authentication_classes = chain(admin, user)
    operations = {"post": "changing password"}

    @extend_schema(
        request=ChangePasswordSerializer, responses={200: MessageSerializer}, tags=["users"]
    )
    def post(self, request: Request) -> Response:
        data = self.validated(ChangePasswordSerializer, request.data)
        services.change_password(
            username=principal_of(request).username,
            current_password=data["current_password"],
            new_password=data["new_password"],
        )
        message = f"Password for user '{principal_of(request).username}' changed successfully"
        return self.respond(MessageSerializer, {"message": message})


class WebhooksConfigView(MeetAPIView):
    authentication_classes = chain(admin)
    operations = {"get": "getting webhooks config", "put": "updating webhooks config"}

    @extend_schema(responses={200: WebhooksConfigSerializer}, tags=["global config"])
    def get(self, request: Request) -> Response:
        return self.respond(WebhooksConfigSerializer, services.get_global_config().webhooks)

    @extend_schema(
        request=WebhooksConfigUpdateSerializer,
        responses={200: MessageSerializer},
        tags=["global config"],
    )
    def put(self, request: Request) -> Response:
        data = self.validated(WebhooksConfigUpdateSerializer, request.data)
        services.update_webhooks_config(enabled=data["enabled"], url=data.get("url"))
        return self.respond(MessageSerializer, {"message": "Webhooks config updated successfully"})


class SecurityConfigView(MeetAPIView):
    operations = {"get": "getting security config", "put": "updating security config"}

    authentication_by_method = {"GET": chain(anonymous), "PUT": chain(admin)}

    @extend_schema(responses={200: SecurityConfigSerializer}, tags=["global config"])
    def get(self, request: Request) -> Response:
        return self.respond(SecurityConfigSerializer, services.get_global_config())

    @extend_schema(
        request=SecurityConfigUpdateSerializer,
        responses={200: MessageSerializer},
        tags=["global config"],
    )
    def put(self, request: Request) -> Response:
        data = self.validated(SecurityConfigUpdateSerializer, request.data)["authentication"]
        services.update_security_config(
            auth_method_type=data["auth_method"]["type"],
            auth_mode_to_access_room=data["auth_mode_to_access_room"],
            auth_transport_mode=data["auth_transport_mode"],
        )
        return self.respond(MessageSerializer, {"message": "Security config updated successfully"})


class RoomsAppearanceConfigView(MeetAPIView):
    operations = {
        "get": "getting rooms appearance config",
        "put": "updating rooms appearance config",
    }

    authentication_by_method = {"GET": chain(anonymous), "PUT": chain(admin)}

    @extend_schema(responses={200: AppearanceConfigSerializer}, tags=["global config"])
    def get(self, request: Request) -> Response:
        return self.respond(AppearanceConfigSerializer, services.get_global_config())

    @extend_schema(
        request=RoomsAppearanceUpdateSerializer,
        responses={200: MessageSerializer},
        tags=["global config"],
    )
    def put(self, request: Request) -> Response:
        data = self.validated(RoomsAppearanceUpdateSerializer, request.data)
        theme = theme_from_validated(data["appearance"]["themes"][0])
        services.update_rooms_appearance(theme=theme)
        message = "Rooms appearance config updated successfully"
        return self.respond(MessageSerializer, {"message": message})


# --- Named (scoped) API keys: ours, under /api/v1 ---------------------------------------------

KEYS_SCOPES = ("keys",)
NAMED_KEY_TAGS = ["api keys (scoped)"]


class NamedApiKeyListView(MeetAPIView):
    authentication_classes = chain(api_key, admin)
    api_key_scopes = {"GET": KEYS_SCOPES, "POST": KEYS_SCOPES}
    operations = {"get": "getting API keys", "post": "creating API key"}

    @extend_schema(responses={200: ApiKeyInfoSerializer(many=True)}, tags=NAMED_KEY_TAGS)
    def get(self, request: Request) -> Response:
        return Response(render_many(ApiKeyInfoSerializer, services.list_all_api_keys()))

    @extend_schema(
        request=ApiKeyCreateSerializer, responses={201: ApiKeyInfoSerializer}, tags=NAMED_KEY_TAGS
    )
    def post(self, request: Request) -> Response:
        data = self.validated(ApiKeyCreateSerializer, request.data)
        scopes = tuple(data["scopes"])
        granting = principal_of(request).api_key_scopes
        if granting is not None and not set(scopes) <= set(granting):
            raise InsufficientPermissionsError()  # a key cannot grant more than it holds
        expires_at = data.get("expires_at")
        created = services.create_named_api_key(
            name=data["name"],
            scopes=scopes,
            expires_at=None if expires_at is None else int(expires_at),
        )
        record_event(
            "api_key.create",
            actor=actor_of(request),
            target_type="api_key",
            target_id=created.key_id,
            details={
                "name": created.name,
                "scopes": list(created.scopes),
                "expiresAt": created.expires_at,
            },
        )
        return self.respond(ApiKeyInfoSerializer, created, 201)


class NamedApiKeyDetailView(MeetAPIView):
    authentication_classes = chain(api_key, admin)
    api_key_scopes = {"GET": KEYS_SCOPES, "DELETE": KEYS_SCOPES}
    operations = {"get": "getting API key", "delete": "revoking API key"}

    @extend_schema(responses={200: ApiKeyInfoSerializer}, tags=NAMED_KEY_TAGS)
    def get(self, request: Request, keyId: str) -> Response:  # noqa: N803 - route name
        return self.respond(ApiKeyInfoSerializer, services.get_api_key_view(keyId))

    @extend_schema(responses={200: MessageSerializer}, tags=NAMED_KEY_TAGS)
    def delete(self, request: Request, keyId: str) -> Response:  # noqa: N803
        revoked = services.revoke_named_api_key(keyId)
        record_event(
            "api_key.revoke",
            actor=actor_of(request),
            target_type="api_key",
            target_id=revoked.key_id,
            details={"name": revoked.name},
        )
        return self.respond(
            MessageSerializer, {"message": f"API key '{revoked.name}' revoked successfully"}
        )
