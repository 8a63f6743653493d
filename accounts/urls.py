from __future__ import annotations

from accounts import views
from meet.api.routing import route

urlpatterns = [
    route("auth/login", views.LoginView.as_view()),
    route("auth/logout", views.LogoutView.as_view()),
    route("auth/refresh", views.RefreshView.as_view()),
    route("auth/api-keys", views.ApiKeysView.as_view()),
    route("users/profile", views.ProfileView.as_view()),
    route("users/change-password", views.ChangePasswordView.as_view()),
    route("config/webhooks", views.WebhooksConfigView.as_view()),
    route("config/security", views.SecurityConfigView.as_view()),
    route("config/rooms/appearance", views.RoomsAppearanceConfigView.as_view()),
]

# Ours, mounted under /api/v1/.
public_urlpatterns = [
    route("api-keys", views.NamedApiKeyListView.as_view()),
    route("api-keys/<keyId>", views.NamedApiKeyDetailView.as_view()),
]
