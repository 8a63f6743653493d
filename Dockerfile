# syntax=docker/dockerfile:1
# OpenVidu Meet (Django). One image for every role:
#   docker build -t openvidu-meet-django .
#   docker run --init -p 6080:6080 -e LIVEKIT_URL=... -e LIVEKIT_API_KEY=... \
#     -e LIVEKIT_API_SECRET=... -e MEET_S3_SERVICE_ENDPOINT=... -e MEET_REDIS_HOST=... \
#     openvidu-meet-django [all|web|worker|beat]
# The argument (or MEET_RUN_ROLES) picks the roles; default all three in one container. Any
# other argument is a command (e.g. `python manage.py check_services`).
# docker-compose.yml runs the whole stack (web, worker, beat, Redis, MinIO, LiveKit).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NODE_ENV=production \
    SERVER_PORT=6080

WORKDIR /app

# Dependencies first: this layer is rebuilt only when requirements.txt changes. Runtime
# requirements only (no test or lint tools).
COPY requirements.txt ./
RUN pip install -r requirements.txt

# The whole tree: .dockerignore leaves out what the server never needs (.git, .venv, var/,
# tests except the LiveKit simulator of DEMO mode, docs, bench).
COPY . .

# An unprivileged user; it may write only var/ (local storage, beat schedule, private Redis).
RUN useradd --system --uid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin meet \
    && mkdir -p /app/var /app/var/metrics \
    && chown meet /app/var /app/var/metrics \
    && chmod 0755 /app/bin/run /app/docker/entrypoint.sh
USER meet

EXPOSE 6080

HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('SERVER_PORT', '6080'), timeout=4)"

# No CMD: without an argument bin/run starts MEET_RUN_ROLES (default web,worker,beat).
ENTRYPOINT ["/app/docker/entrypoint.sh"]
