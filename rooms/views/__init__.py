"""HTTP endpoints of the rooms app: ``public`` (/api/v1), ``internal`` (/internal-api/v1).

The room collection, item and config routes involve recordings: they are ``meetings.views``."""
