"""The HTTP side: Twirp ``/twirp/livekit.{RoomService,Egress}/<Method>`` and ``/_sim/...``."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from google.protobuf.message import Message
from livekit.protocol import egress as egress_pb
from livekit.protocol import room as room_pb

from tests.livekit_sim import auth, twirp
from tests.livekit_sim.control import handle_control
from tests.livekit_sim.twirp import TwirpError

if TYPE_CHECKING:
    from tests.livekit_sim.simulator import LiveKitSimulator

logger = logging.getLogger(__name__)

TWIRP_PREFIX = "/twirp/"
CONTROL_PREFIX = "/_sim/"


@dataclass(frozen=True)
class Method:
    request: type[Message]
    grant: str
    call: Callable[[LiveKitSimulator, Any], Message]


def _send_data(sim: LiveKitSimulator, req: room_pb.SendDataRequest) -> Message:
    sim.rooms.send_data(req)
    return room_pb.SendDataResponse()


def _delete_room(sim: LiveKitSimulator, req: room_pb.DeleteRoomRequest) -> Message:
    sim.rooms.delete(req.room)
    return room_pb.DeleteRoomResponse()


def _remove_participant(sim: LiveKitSimulator, req: room_pb.RoomParticipantIdentity) -> Message:
    sim.rooms.remove_participant(req.room, req.identity)
    return room_pb.RemoveParticipantResponse()


METHODS: dict[tuple[str, str], Method] = {
    ("RoomService", "CreateRoom"): Method(
        room_pb.CreateRoomRequest, auth.CREATE, lambda sim, r: sim.rooms.create(r)
    ),
    ("RoomService", "ListRooms"): Method(
        room_pb.ListRoomsRequest,
        auth.LIST,
        lambda sim, r: room_pb.ListRoomsResponse(rooms=sim.rooms.list(list(r.names))),
    ),
    ("RoomService", "DeleteRoom"): Method(room_pb.DeleteRoomRequest, auth.CREATE, _delete_room),
    ("RoomService", "ListParticipants"): Method(
        room_pb.ListParticipantsRequest,
        auth.ADMIN,
        lambda sim, r: room_pb.ListParticipantsResponse(
            participants=sim.rooms.list_participants(r.room)
        ),
    ),
    ("RoomService", "GetParticipant"): Method(
        room_pb.RoomParticipantIdentity,
        auth.ADMIN,
        lambda sim, r: sim.rooms.get_participant(r.room, r.identity),
    ),
    ("RoomService", "RemoveParticipant"): Method(
        room_pb.RoomParticipantIdentity, auth.ADMIN, _remove_participant
    ),
    ("RoomService", "UpdateParticipant"): Method(
        room_pb.UpdateParticipantRequest,
        auth.ADMIN,
        lambda sim, r: sim.rooms.update_participant(r),
    ),
    ("RoomService", "SendData"): Method(room_pb.SendDataRequest, auth.ADMIN, _send_data),
    ("RoomService", "UpdateRoomMetadata"): Method(
        room_pb.UpdateRoomMetadataRequest,
        auth.ADMIN,
        lambda sim, r: sim.rooms.update_metadata(r.room, r.metadata),
    ),
    ("Egress", "StartRoomCompositeEgress"): Method(
        egress_pb.RoomCompositeEgressRequest,
        auth.RECORD,
        lambda sim, r: sim.egress.start_room_composite(r),
    ),
    ("Egress", "StopEgress"): Method(
        egress_pb.StopEgressRequest, auth.RECORD, lambda sim, r: sim.egress.stop(r.egress_id)
    ),
    ("Egress", "ListEgress"): Method(
        egress_pb.ListEgressRequest,
        auth.RECORD,
        lambda sim, r: egress_pb.ListEgressResponse(items=sim.egress.list(r)),
    ),
}

# methods LiveKit has but the simulator does not: "unimplemented" rather than "bad_route"
KNOWN_SERVICES = {
    "RoomService": {m.name for m in room_pb.DESCRIPTOR.services_by_name["RoomService"].methods},
    "Egress": {m.name for m in egress_pb.DESCRIPTOR.services_by_name["Egress"].methods},
}


def dispatch_twirp(
    sim: LiveKitSimulator, path: str, headers: Any, body: bytes
) -> tuple[bytes, str]:
    """Run one Twirp call; returns ``(body, content type)`` or raises ``TwirpError``."""
    route = path[len(TWIRP_PREFIX) :]
    service_full, _, method_name = route.partition("/")
    package, _, service = service_full.rpartition(".")
    method = METHODS.get((service, method_name)) if package == "livekit" else None
    if method is None:
        if package == "livekit" and method_name in KNOWN_SERVICES.get(service, ()):
            raise TwirpError("unimplemented", f"{service}/{method_name} is not simulated")
        raise TwirpError("bad_route", f"no handler for path {path!r}")
    grants = auth.verify_bearer(headers.get("Authorization"), sim.api_key, sim.api_secret)
    fmt = twirp.wire_format(headers.get("Content-Type"))
    request = twirp.decode(body, fmt, method.request)
    room = getattr(request, "room", "") if method.grant == auth.ADMIN else ""
    auth.ensure_grant(grants, method.grant, room, denied_code=sim.config.grant_error_code)
    response = method.call(sim, request)
    return twirp.encode(response, fmt), fmt


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Buffered replies: status line, headers and body leave in one write when the handler is
    # done (``handle_one_request`` flushes), as Go's net/http sends a small reply. Unbuffered,
    # the body's separate write waits for the client's delayed ACK (Nagle): ~40 ms per call,
    # which LiveKit never costs.
    wbufsize = -1
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _handle(self) -> None:
        sim = self.server.sim
        url = urlsplit(self.path)
        body = self._body()
        if url.path.startswith(CONTROL_PREFIX):
            status, payload = handle_control(
                sim, self.command, url.path[len(CONTROL_PREFIX) :], parse_qs(url.query), body
            )
            self._reply(status, json.dumps(payload, ensure_ascii=False).encode(), twirp.JSON)
            return
        try:
            if not url.path.startswith(TWIRP_PREFIX):
                raise TwirpError("bad_route", f"no handler for path {url.path!r}")
            if self.command != "POST":
                raise TwirpError("bad_route", f"unsupported method {self.command!r} (only POST)")
            data, content_type = dispatch_twirp(sim, url.path, self.headers, body)
        except TwirpError as exc:
            logger.debug("%s -> %s %s", url.path, exc.code, exc.msg)
            self._reply(exc.status, exc.body(), twirp.JSON)
        except Exception as exc:
            logger.exception("twirp %s failed", url.path)
            error = TwirpError("internal", str(exc))
            self._reply(error.status, error.body(), twirp.JSON)
        else:
            self._reply(200, data, content_type)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sim: LiveKitSimulator) -> None:
        self.sim = sim
        super().__init__(address, _Handler)


def serve(sim: LiveKitSimulator, host: str, port: int) -> _Server:
    server = _Server((host, port), sim)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.1},
        name="livekit-sim-http",
        daemon=True,
    )
    thread.start()
    return server
