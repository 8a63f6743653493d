"""``make bench``: every benchmark in one run, figures side by side.

``python -m bench [--quick]``. Runs in-process against a moto S3 server and Redis (started as
the tests do), so the figures compare code paths on this machine, not network latency.
"""

from __future__ import annotations

import sys

from bench.environment import bench_environment


def main() -> None:
    quick = "--quick" in sys.argv
    with bench_environment():
        from bench import media, rooms, server

        for module in (rooms, server, media):
            for line in module.run(quick=quick):
                print(line, flush=True)


if __name__ == "__main__":
    main()
