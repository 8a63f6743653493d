#!/bin/sh
# The image's entrypoint.
#
#   docker run IMAGE                 web, worker and beat in one container (MEET_RUN_ROLES or all)
#   docker run IMAGE web             one role (or a comma list: worker,beat; "all" for the three)
#   docker run IMAGE python manage.py check_services    any other command runs as given
#
# As the reference's entrypoint: variables of $MODULES_FILE are loaded, and the server refuses
# to start without LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET unless MEET_CONFIG_DIR
# names a dotenv file. Then bin/run starts and supervises the roles.
set -eu

app_dir=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)

is_roles() {
    case "$1" in "" | *[!a-z,]*) return 1 ;; esac
    for role in $(echo "$1" | tr ',' ' '); do
        case "$role" in web | worker | beat) ;; *) return 1 ;; esac
    done
}

if [ "$#" -gt 0 ]; then
    if [ "$1" = "all" ]; then
        MEET_RUN_ROLES=web,worker,beat
        export MEET_RUN_ROLES
        shift
    elif is_roles "$1"; then
        MEET_RUN_ROLES=$1
        export MEET_RUN_ROLES
        shift
    else
        exec "$@"
    fi
fi

if [ -n "${MODULES_FILE:-}" ] && [ -f "$MODULES_FILE" ]; then
    set -a
    # shellcheck disable=SC1090
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
exec python "$app_dir/bin/run" "$@"
