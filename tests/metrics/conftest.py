from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def metrics_on(settings: Any) -> None:
    """Metrics enabled (the middleware loads for clients created after this), no token."""
    settings.MEET_METRICS_ENABLED = True
    settings.MEET_METRICS_TOKEN = ""
