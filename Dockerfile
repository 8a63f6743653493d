# syntax=docker/dockerfile:1.7
# OpenVidu Meet (Django). One image for every role: MEET_RUN_ROLES=web|worker|beat (default
# all three in one container). Build: docker build -t openvidu-meet-django .
# Run:   docker run --init -p 6080:6080 -e LIVEKIT_URL=... -e LIVEKIT_API_KEY=... \
#          -e LIVEKIT_API_SECRET=... -e MEET_S3_SERVICE_ENDPOINT=... -e MEET_REDIS_HOST=... IMAGE
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NODE_ENV=production \
    SERVER_PORT=6080

WORKDIR /app

# Dependencies first: this layer is rebuilt only when requirements.txt changes.
COPY requirements.txt ./
RUN pip install -r requirements.txt

# The reference entrypoint: refuse to start without LiveKit unless a dotenv file is given.
COPY --chmod=0755 <<"EOF" /usr/local/bin/docker-entrypoint.sh
#!/bin/sh
set -eu
if [ -n "${MODULES_FILE:-}" ] && [ -f "$MODULES_FILE" ]; then
    set -a
    . "$MODULES_FILE"
    set +a
fi
if [ -z "${MEET_CONFIG_DIR:-}" ]; then
    missing=""
    [ -n "${LIVEKIT_URL:-}" ] || missing="$missing LIVEKIT_URL"
    [ -n "${LIVEKIT_API_KEY:-}" ] || missing="$missing LIVEKIT_API_KEY"
    [ -n "${LIVEKIT_API_SECRET:-}${LIVEKIT_API_SECRET_FILE:-}" ] || missing="$missing LIVEKIT_API_SECRET"
    if [ -n "$missing" ]; then
        echo "ERROR: missing required environment variable(s):$missing" >&2
        echo "       (or set MEET_CONFIG_DIR to the path of a dotenv file)" >&2
        exit 1
    fi
fi
exec python /app/bin/run "$@"
EOF

# The project, listed explicitly so that a local .venv/ or var/ never ends up in the image.
# tests/ is included for the LiveKit simulator (DEMO mode, when LIVEKIT_URL is unset).
COPY manage.py pyproject.toml ./
COPY bin ./bin
COPY meet ./meet
COPY accounts ./accounts
COPY rooms ./rooms
COPY recordings ./recordings
COPY webhooks ./webhooks
COPY templates ./templates
COPY tests ./tests

RUN useradd --system --uid 1000 --home-dir /app --shell /usr/sbin/nologin meet \
    && mkdir -p /app/var \
    && chown meet /app/var \
    && chmod 0755 /app/bin/run
USER meet

EXPOSE 6080

HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('SERVER_PORT', '6080'), timeout=4)"

ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
