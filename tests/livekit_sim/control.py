"""The test control API under ``/_sim/`` (JSON in and out, no auth).

Body keys may be camelCase or snake_case. Routes (path relative to ``/_sim/``)::

    GET    health                                  {"ok": true}
    GET    state                                   rooms (with participants), egresses, config
    POST   reset                                   forget everything (no webhooks)
    GET    config / POST config {...}              SimConfig fields (timeouts, delays, mp4Size...)
    PUT    webhook {"url": "..."|null}             where webhooks go (POST works too)
    GET    events[?event=name]                     {"events": [{id, event, payload, delivered...}]}
    GET    data[?room=name]                        {"messages": [{room, data, topic, ...}]}
    POST   rooms/{room}/participants {identity, name?, metadata?, canPublish?, publishing?,
                                      attributes?}  -> participant (participant_joined)
    DELETE rooms/{room}/participants/{identity}[?closeIfEmpty=true]   (participant_left)
    POST   rooms/{room}/close                      room_finished now
    POST   rooms/{room}/backdate {seconds}         the room was created that much earlier
    POST   egress/fail-next-start {code?, msg?}    next StartRoomCompositeEgress errors
    POST   egress/delay-next-start {seconds}       next StartRoomCompositeEgress answers late
    POST   egress/fail-next {error?, errorCode?, after?: "starting"|"active"}
    POST   egress/hang-next                        next egress never goes ACTIVE
    POST   egress/stale-next {backdateSeconds?, onStop?: "fail"|"error"}
    POST   egress/{egressId}/stale {backdateSeconds?, onStop?}
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from google.protobuf import json_format

from tests.livekit_sim.twirp import TwirpError

if TYPE_CHECKING:
    from tests.livekit_sim.simulator import LiveKitSimulator

Result = tuple[int, Any]
OK: Result = (200, {"ok": True})


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes", "on")
    return bool(value)


def handle_control(
    sim: LiveKitSimulator, method: str, path: str, query: dict[str, list[str]], raw: bytes
) -> Result:
    try:
        body = json.loads(raw) if raw.strip() else {}
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        args = {_snake(k): v for k, v in body.items()}
        params = {_snake(k): v[-1] for k, v in query.items()}
        parts = [unquote(p) for p in path.strip("/").split("/")]
        return _route(sim, method, parts, args, params)
    except TwirpError as exc:
        return exc.status, {"code": exc.code, "msg": exc.msg}
    except (ValueError, TypeError, KeyError) as exc:
        return 400, {"code": "invalid_argument", "msg": str(exc)}


def _route(
    sim: LiveKitSimulator,
    method: str,
    parts: list[str],
    args: dict[str, Any],
    params: dict[str, str],
) -> Result:
    match method, parts:
        case "GET", ["health"]:
            return OK
        case "GET", ["state"]:
            return 200, sim.state()
        case "POST", ["reset"]:
            sim.reset()
            return OK
        case "GET", ["config"]:
            return 200, sim.config.to_json()
        case "POST" | "PUT" | "PATCH", ["config"]:
            sim.configure(**args)
            return 200, sim.config.to_json()
        case "PUT" | "POST", ["webhook"]:
            sim.set_webhook_url(args.get("url"))
            return 200, {"url": sim.webhooks.url}
        case "GET", ["events"]:
            records = sim.recorded_events(params.get("event"))
            return 200, {"events": [r.to_json() for r in records]}
        case "GET", ["data"]:
            messages = sim.data_messages(params.get("room"))
            return 200, {"messages": [m.to_json() for m in messages]}
        case "POST", ["rooms", room, "participants"]:
            participant = sim.add_participant(
                room,
                args["identity"],
                name=args.get("name", ""),
                metadata=args.get("metadata", ""),
                can_publish=_truthy(args.get("can_publish", True)),
                publishing=None if args.get("publishing") is None else _truthy(args["publishing"]),
                attributes=args.get("attributes"),
            )
            return 200, json_format.MessageToDict(participant)
        case "DELETE", ["rooms", room, "participants", identity]:
            participant = sim.remove_participant(
                room, identity, close_if_empty=_truthy(params.get("close_if_empty", False))
            )
            return 200, json_format.MessageToDict(participant)
        case "POST", ["rooms", room, "backdate"]:
            backdated = sim.backdate_room(room, float(args["seconds"]))
            return 200, json_format.MessageToDict(backdated)
        case "POST", ["rooms", room, "close"]:
            sim.close_room(room)
            return OK
        case "POST", ["egress", "fail-next-start"]:
            sim.fail_next_egress_start(
                args.get("code", "unavailable"), args.get("msg", "no response from servers")
            )
            return OK
        case "POST", ["egress", "delay-next-start"]:
            sim.delay_next_egress_start(float(args["seconds"]))
            return OK
        case "POST", ["egress", "fail-next"]:
            sim.fail_next_egress(
                args.get("error", "pipeline failure"),
                int(args.get("error_code", 0)),
                after=args.get("after", "starting"),
            )
            return OK
        case "POST", ["egress", "hang-next"]:
            sim.hang_next_egress()
            return OK
        case "POST", ["egress", "stale-next"]:
            sim.stale_next_egress(
                float(args.get("backdate_seconds", 0)), args.get("on_stop", "fail")
            )
            return OK
        case "POST", ["egress", egress_id, "stale"]:
            sim.make_egress_stale(
                egress_id, float(args.get("backdate_seconds", 0)), args.get("on_stop", "fail")
            )
            return OK
    return 404, {"code": "bad_route", "msg": f"no control route {method} /_sim/{'/'.join(parts)}"}
