"""Recording audit events.

``record_event`` is the one entry point every app uses. It never raises: an action that
succeeded is not turned into an error because its audit record could not be written.
"""

from __future__ import annotations

import logging
from typing import Any

from audit.domain import Actor, AuditEvent

logger = logging.getLogger("meet.audit")


def record_event(
    action: str,
    *,
    actor: Actor,
    target_type: str = "",
    target_id: str = "",
    details: dict[str, Any] | None = None,
    outcome: str = "success",
) -> None:
    event = AuditEvent(
        action=action,
        actor=actor,
        target_type=target_type,
        target_id=target_id,
        details=dict(details or {}),
        outcome=outcome,
    )
    # Placeholder until the durable audit log lands: the event goes to the log only.
    logger.info("audit %s", event)
