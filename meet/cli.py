"""``manage.py``: Django's command line without the commands this server cannot run.

There is no relational database (rooms, users… are JSON objects in the bucket), no e-mail, no
translations and no collected static files (WhiteNoise serves them in place), so Django's
commands for those would only end in a traceback. They are left out of ``manage.py help`` and
refused with one line naming the reason.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_NO_DATABASE = "this server keeps its data in object storage and Redis: there is no database"
UNAVAILABLE: dict[str, str] = {
    **dict.fromkeys(
        (
            "createcachetable",
            "dbshell",
            "dumpdata",
            "flush",
            "inspectdb",
            "loaddata",
            "makemigrations",
            "migrate",
            "optimizemigration",
            "showmigrations",
            "sqlflush",
            "sqlmigrate",
            "sqlsequencereset",
            "squashmigrations",
            "testserver",
        ),
        _NO_DATABASE,
    ),
    "test": "the tests run with pytest: `make test`",
    "collectstatic": "static files are served in place by WhiteNoise: nothing to collect",
    "generateschema": "the OpenAPI description is `manage.py spectacular` (and /api/v1/docs)",
    "sendtestemail": "this server sends no e-mail",
    "makemessages": "this server has no translations",
    "compilemessages": "this server has no translations",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meet.settings")
    command = argv[1] if len(argv) > 1 else ""
    if command == "help" and len(argv) > 2:
        command = argv[2]
    if command in UNAVAILABLE:
        sys.stderr.write(f"manage.py {command}: not available: {UNAVAILABLE[command]}.\n")
        return 1
    from meet.env import load_env_file, load_run_file

    # The dotenv file first, then what a running `make run` recorded for the rest, so commands
    # in a second shell reach the instance it started (docs/operations.md).
    base_dir = Path(__file__).resolve().parent.parent
    load_env_file(base_dir)
    load_run_file(base_dir)
    from django.core import management

    class Utility(management.ManagementUtility):
        def main_help_text(self, commands_only: bool = False) -> str:
            # Only the listing leaves them out: Django's own checks still look commands up.
            everything = management.get_commands
            management.get_commands = lambda: {
                name: app for name, app in everything().items() if name not in UNAVAILABLE
            }
            try:
                return str(super().main_help_text(commands_only))
            finally:
                management.get_commands = everything

    Utility(argv).execute()
    return 0
