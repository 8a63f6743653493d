"""HTTP endpoints of the recordings app: ``public`` (/api/v1), ``internal`` (/internal-api/v1)."""
