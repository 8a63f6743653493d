"""HTTP load with ``wrk`` (Debian's package): requests/s of one route of a running instance.

``wrk`` is not Python, so the load generator does not compete for a GIL and its own cost stays
small next to the server's; the bench installs it when it is missing (``ensure_wrk``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

THREADS = 2
CONNECTIONS = 16

_REQUESTS_PER_SECOND = re.compile(r"Requests/sec:\s+([0-9.]+)")
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_ERRORS = re.compile(r"Socket errors:.*")
_LATENCY = re.compile(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)")

# Lua for wrk. ``setup`` numbers the threads so names stay unique across them.
_SCRIPT = """
local counter = 0
local thread_number = 0
function setup(thread)
  thread_number = thread_number + 1
  thread:set("id", thread_number)
end
function init(args)
  method = args[1]
  path = args[2]
  header = args[3]
  value = args[4]
  body = args[5]
  unique = args[6] == "unique"
end
request = function()
  local headers = {}
  if header ~= "" then headers[header] = value end
  local payload = nil
  if body ~= "" then
    headers["Content-Type"] = "application/json"
    payload = body
    if unique then
      counter = counter + 1
      payload = string.gsub(body, "@NAME@", string.format("p%d-%d", id, counter))
    end
  end
  return wrk.format(method, path, headers, payload)
end
"""


@dataclass
class LoadResult:
    requests_per_second: float
    failures: int
    latency: str
    output: str


def ensure_wrk() -> str:
    """The path of ``wrk``; installs Debian's package when missing and we are root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("bench: wrk is missing, installing Debian's package 'wrk'", flush=True)
        install = ["apt-get", "install", "-y", "-q", "wrk"]
        if subprocess.run(install, check=False).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], check=False)
            subprocess.run(install, check=True)
        found = shutil.which("wrk")
        if found:
            return found
    sys.exit(
        "bench: the HTTP load generator 'wrk' is not installed. Install it with "
        "'sudo apt-get install wrk' (Debian/Ubuntu) and run 'make bench' again."
    )


def wrk(
    url: str,
    *,
    seconds: float,
    method: str = "GET",
    header: tuple[str, str] | None = None,
    body: str = "",
    unique_names: bool = False,
    connections: int = CONNECTIONS,
) -> LoadResult:
    """``wrk -t2 -c16 -dNs`` on one route. ``body`` may hold ``@NAME@``, replaced by a fresh
    participant name in every request when ``unique_names``."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_SCRIPT)
    try:
        command = [
            ensure_wrk(),
            f"-t{THREADS}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--latency",
            "-s",
            script.name,
            f"{parts.scheme}://{parts.netloc}",
            "--",
            method,
            path,
            header[0] if header else "",
            header[1] if header else "",
            body,
            "unique" if unique_names else "",
        ]
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
    finally:
        Path(script.name).unlink(missing_ok=True)
    output = completed.stdout + completed.stderr
    found = _REQUESTS_PER_SECOND.search(output)
    if completed.returncode != 0 or not found:
        raise RuntimeError(f"wrk failed on {method} {url}:\n{output}")
    non_2xx = _NON_2XX.search(output)
    latency = _LATENCY.search(output)
    return LoadResult(
        requests_per_second=float(found.group(1)),
        failures=int(non_2xx.group(1)) if non_2xx else 0,
        latency=f"avg {latency.group(1)}, max {latency.group(3)}" if latency else "",
        output=output,
    )
