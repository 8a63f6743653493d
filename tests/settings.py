"""Test settings: meet.settings with a real Redis DB of our own, fast bcrypt, moto S3."""

from meet.settings import *  # noqa: F403
from tests.services import ensure_redis, redis_db_for_worker

REDIS_HOST, REDIS_PORT = ensure_redis()
REDIS_DB = redis_db_for_worker()
REDIS_LOCATION = f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
CACHES = {"default": {**CACHES["default"], "LOCATION": REDIS_LOCATION}}  # noqa: F405
CELERY_BROKER_URL = REDIS_LOCATION
MEET_BLOB_STORAGE_MODE = "s3"
MEET_S3_BUCKET = "meet-test"
MEET_S3_SUBBUCKET = "openvidu-meet"
STORAGE_KEY_PREFIX = "openvidu-meet"
MEET_S3_ACCESS_KEY = "testing"
MEET_S3_SECRET_KEY = "testing"
MEET_S3_SERVICE_ENDPOINT = "http://127.0.0.1:1"  # replaced by the moto server fixture
MEET_INITIAL_API_KEY = ""
MEET_BASE_URL = ""
PASSWORD_HASH_ROUNDS = 4
STORAGE_PUT_ATTEMPTS = 2
STORAGE_PUT_BACKOFF_SECONDS = 0.01
LOGIN_RATE_LIMIT_ENABLED = True
LIVEKIT_API_KEY = "devkey"
LIVEKIT_API_SECRET = "secret"
LIVEKIT_URL = "ws://localhost:7880"
LIVEKIT_URL_PRIVATE = "ws://localhost:7880"

LOGGING["loggers"]["werkzeug"] = {"level": "WARNING"}  # noqa: F405 - the moto server's log
# Redis pub/sub channels ignore the DB index: each xdist worker gets its own channel.
EVENTS_CHANNEL = f"ov_meet_channel_{REDIS_DB}"
