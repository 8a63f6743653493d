"""Handing out a recording's share URL (§4.12): the URL, and a note that it was handed out.

The share secrets never expire (as in the reference): a URL someone was given works as long as
the recording exists. The note (``ov_meet:recording_shared:{id}``, ours) is what the retention
task calls "an active share link" (docs/policies.md).
"""

from __future__ import annotations

from meet.clock import now_ms
from recordings.domain import RecordingId
from recordings.repository import RecordingRepository
from recordings.selectors import recording_url

_recordings = RecordingRepository()


def share_url(*, recording_id: RecordingId, private: bool, base_url: str) -> str:
    url = recording_url(recording_id=recording_id, private=private, base_url=base_url)
    _recordings.mark_shared(recording_id, now_ms())
    return url
