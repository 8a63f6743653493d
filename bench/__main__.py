"""``make bench``: the figures of issue 9 for a whole instance, beside the reference's.

``python -m bench [--quick] [--repeat=N] [--default-only | --s3-only] [--in-process]``

* default: starts ``bin/run`` twice (the embedded defaults of ``make run``, then S3 mode
  against a moto server) and drives it with ``wrk`` (``bench/figures.py``). ``--repeat=N``
  runs each route N times and keeps the best (for a machine that other work slows down).
* ``--in-process``: the older code-path benchmarks (listing and token storage requests, media
  and ZIP streaming through the test client) in this process against moto and Redis.
"""

from __future__ import annotations

import sys


def in_process(quick: bool) -> None:
    from bench.environment import bench_environment

    with bench_environment():
        from bench import media, rooms

        for module in (rooms, media):
            for line in module.run(quick=quick):
                print(line, flush=True)


def main() -> None:
    arguments = set(sys.argv[1:])
    quick = "--quick" in arguments
    if "--in-process" in arguments:
        in_process(quick)
        return
    from bench.figures import run
    from bench.load import ensure_wrk

    ensure_wrk()
    modes: tuple[str, ...] = ("default", "s3")
    if "--default-only" in arguments:
        modes = ("default",)
    elif "--s3-only" in arguments:
        modes = ("s3",)
    repeat = next(
        (
            int(argument.split("=", 1)[1])
            for argument in arguments
            if argument.startswith("--repeat=")
        ),
        1,
    )
    for line in run(quick=quick, modes=modes, repeat=repeat):
        print(line, flush=True)


if __name__ == "__main__":
    main()
