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


class DeliveryNotFoundError(WebhookError):
    status_code = 404

    def __init__(self, delivery_id: str) -> None:
        super().__init__(f"Webhook delivery '{delivery_id}' not found")


class DeliveryNotRedeliverableError(WebhookError):
    status_code = 409

    def __init__(self, delivery_id: str) -> None:
        super().__init__(
            f"Webhook delivery '{delivery_id}' has not failed: only failed deliveries can be "
            "redelivered"
        )


class WebhooksDisabledError(WebhookError):
    status_code = 409

    def __init__(self) -> None:
        super().__init__("Webhooks are disabled: enable them before redelivering")


class NoSigningSecretError(WebhookError):
    status_code = 409

    def __init__(self) -> None:
        super().__init__(
            "There is no signing secret nor API key: webhooks cannot be signed. Please, create "
            "one to redeliver webhooks."
        )
