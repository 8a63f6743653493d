"""Wire formats of the rooms app: ``public`` (/api/v1, and the room id, config and pagination
fields other apps reuse), ``internal`` (/internal-api/v1)."""
