#!/usr/bin/env python
import os
import sys
from pathlib import Path

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meet.settings")
    from meet.env import load_env_file, load_run_file

    # The dotenv file first, then what a running `make run` recorded for the rest, so commands
    # in a second shell reach the instance it started (docs/operations.md).
    base_dir = Path(__file__).resolve().parent
    load_env_file(base_dir)
    load_run_file(base_dir)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
