"""``python -m tests.livekit_sim --host 127.0.0.1 --port 7880 --webhook-url URL``.

Serves until SIGINT/SIGTERM. The API key and secret default to ``LIVEKIT_API_KEY`` /
``LIVEKIT_API_SECRET`` (else LiveKit's dev pair ``devkey`` / ``secret``). Recordings go to the
storage described by the ``MEET_*`` variables unless ``--storage`` says otherwise.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading

from tests.livekit_sim.media import LocalStorage, MemoryStorage, NullStorage, storage_from_env
from tests.livekit_sim.simulator import LiveKitSimulator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.livekit_sim", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7880)
    parser.add_argument("--api-key", default=os.environ.get("LIVEKIT_API_KEY", "devkey"))
    parser.add_argument("--api-secret", default=os.environ.get("LIVEKIT_API_SECRET", "secret"))
    parser.add_argument(
        "--webhook-url", default=None, help="where to POST webhooks (none if unset)"
    )
    parser.add_argument(
        "--storage",
        choices=["env", "memory", "none", "local"],
        default="env",
        help="env: MEET_* variables (S3 or MEET_BLOB_STORAGE_MODE=local); local: --local-dir",
    )
    parser.add_argument("--local-dir", default=None, help="root for --storage local")
    parser.add_argument("--bucket", default=os.environ.get("MEET_S3_BUCKET", "openvidu-appdata"))
    parser.add_argument("--empty-timeout", type=float, default=300.0)
    parser.add_argument("--departure-timeout", type=float, default=20.0)
    parser.add_argument("--egress-active-delay", type=float, default=0.5)
    parser.add_argument("--egress-stop-delay", type=float, default=0.3)
    parser.add_argument("--mp4-size", type=int, default=0, help="pad recordings to this size")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.storage == "memory":
        storage = MemoryStorage()
    elif args.storage == "none":
        storage = NullStorage()
    elif args.storage == "local":
        storage = LocalStorage(args.local_dir or os.path.join("var", "storage"), args.bucket)
    else:
        storage = storage_from_env()
    sim = LiveKitSimulator(
        args.api_key,
        args.api_secret,
        webhook_url=args.webhook_url,
        storage=storage,
        host=args.host,
        port=args.port,
        empty_timeout=args.empty_timeout,
        departure_timeout=args.departure_timeout,
        egress_active_delay=args.egress_active_delay,
        egress_stop_delay=args.egress_stop_delay,
        mp4_size=args.mp4_size,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    url = sim.start()
    print(f"LiveKit simulator on {url} (webhooks -> {args.webhook_url or 'none'})", flush=True)  # noqa: T201
    stop.wait()
    sim.stop()


if __name__ == "__main__":
    main()
