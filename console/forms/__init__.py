"""The console's forms, one module per page group (``account``, ``rooms``, ``recordings``,
``configuration``) over ``base.SerializerForm``.

Each builds the request body the API would receive and validates it with
the API's own serializer, so the console enforces exactly the API's rules and messages; the
Django form only turns HTML inputs (checkboxes, dates, selects) into that body."""
