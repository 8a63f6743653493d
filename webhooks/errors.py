from __future__ import annotations

from meet.errors import MeetError


class WebhookError(MeetError):
    status_code = 400
    error = "Webhook Error"


class InvalidWebhookUrlError(WebhookError):
    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"Webhook URL '{url}' is invalid: {reason}")


class NoApiKeyForWebhooksError(WebhookError):
    def __init__(self) -> None:
        super().__init__(
            "There are no API keys configured yet. Please, create one to use webhooks."
        )
