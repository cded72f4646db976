"""One websocket frame written to many connections: the lecture hall's send path.

A server's frames are not masked, so the bytes of one message are the same on every
connection: a frame built once can be written to a thousand sockets. ASGI has no way to do
that (each `websocket.send` is encoded and written per connection, behind a task switch), so
`serve` runs uvicorn with `SharedFrameProtocol`, its own websocket protocol that also offers
the app, as an ASGI scope extension, a `FrameWriter` for the connection. The stream hub's
ticker writes a batch's prebuilt frame with it, synchronously, to every viewer at the same
place (`backend/streams/hub.py`); under any other server the extension is absent and viewers
are sent to the ASGI way.
"""

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode

SHARED_FRAMES = "divelab.websocket.shared_frames"


def text_frame(text: str) -> bytes:
    """A complete, unmasked text frame, as a server sends it."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


class FrameWriter:
    """Writes whole frames to one connection, between the messages the protocol sends itself
    (the handshake, pings, the close), never inside one: all of them are single writes on the
    event loop's thread."""

    def __init__(self, protocol: WebSocketsSansIOProtocol) -> None:
        self._protocol = protocol

    @property
    def open(self) -> bool:
        protocol = self._protocol
        return (
            protocol.handshake_complete
            and not protocol.close_sent
            and not protocol.disconnected
            and not protocol.transport.is_closing()
        )

    @property
    def writable(self) -> bool:
        """False while the connection holds more than its high-water mark unsent (a reader
        that stopped reading fills its socket's buffers, then this): what uvicorn's own send
        waits for."""
        return self._protocol.writable.is_set()

    def write(self, frame: bytes) -> None:
        self._protocol.transport.write(frame)


class SharedFrameProtocol(WebSocketsSansIOProtocol):
    """uvicorn's websocket protocol, offering a `FrameWriter` in the scope's extensions."""

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        if self.close_sent:  # a refused handshake: no app runs for it
            return
        # The app's task is created but not started yet: it sees the extension.
        self.scope["extensions"][SHARED_FRAMES] = {"writer": FrameWriter(self)}


def frame_writer(scope: dict[str, Any]) -> FrameWriter | None:
    """The connection's writer when the server offers one."""
    return (scope.get("extensions") or {}).get(SHARED_FRAMES, {}).get("writer")
