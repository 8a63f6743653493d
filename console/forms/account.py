"""Sign-in and the account's password."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.serializers import (
    ChangePasswordSerializer,
    LoginSerializer,
)
from console.forms.base import SerializerForm


class LoginForm(SerializerForm):
    serializer_class = LoginSerializer
    username = forms.CharField(
        max_length=200, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def payload(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        return {"username": cleaned["username"], "password": cleaned["password"]}


class ChangePasswordForm(SerializerForm):
    serializer_class = ChangePasswordSerializer
    error_fields = {"currentPassword": "current_password", "newPassword": "new_password"}
    current_password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    confirm_password = forms.CharField(
        label="Repeat the new password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def payload(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        if cleaned["new_password"] != cleaned["confirm_password"]:
            self.add_error("confirm_password", "The two passwords differ")
        return {
            "currentPassword": cleaned["current_password"],
            "newPassword": cleaned["new_password"],
        }
