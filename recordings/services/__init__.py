"""Recording rules, by sub-domain: ``lifecycle`` (start, stop, LiveKit egress events),
``room_recordings`` (a room's recordings as a whole, its archived metadata), ``tokens``
(recording tokens), ``deletion`` (the API's deletes), ``collectors`` (scheduled clean-ups).
Reads are in ``recordings.selectors``."""
