"""A real HTTP server on 127.0.0.1 for the delivery tests: it answers as a script says (status,
headers, body, a delay, or a reset connection) and records what it received, with the time."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import attrs


@attrs.frozen
class Received:
    at: float  # time.monotonic() when the whole request was read
    method: str
    path: str
    headers: dict[str, str]
    body: str


@attrs.frozen
class Answer:
    status: int = 200
    body: str = '{"status": "OK"}'
    headers: dict[str, str] = attrs.field(factory=dict)
    delay: float = 0.0
    reset: bool = False  # close the connection without an answer (a reset)


Script = Callable[[Received, int], Answer]
"""Given the request and how many times this exact body has arrived (1 the first time)."""


def always_ok(received: Received, nth: int) -> Answer:
    return Answer()


class Server:
    def __init__(self, script: Script = always_ok) -> None:
        self.script = script
        self.received: list[Received] = []
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8") if length else ""
                received = Received(
                    time.monotonic(), self.command, self.path, dict(self.headers), body
                )
                with owner._lock:
                    owner.received.append(received)
                    nth = owner._seen[body + self.path] = owner._seen.get(body + self.path, 0) + 1
                answer = owner.script(received, nth)
                if answer.delay:
                    time.sleep(answer.delay)
                if answer.reset:
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.close_connection = True
                    return
                data = answer.body.encode("utf-8")
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            do_GET = do_POST = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.request_queue_size = 256
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def bodies(self) -> list[str]:
        with self._lock:
            return [r.body for r in self.received]


@contextmanager
def serving(script: Script = always_ok) -> Iterator[Server]:
    server = Server(script)
    server._thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
