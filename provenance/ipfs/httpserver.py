"""A threading HTTP server that a slow or idle client cannot exhaust (``ipfs serve``, ``gallery
serve``).

The standard library's ``ThreadingHTTPServer`` starts one thread per connection and waits on each
socket forever: 300 half-sent requests held 301 threads a minute later. Here:

- a request's line and headers must arrive within ``head_timeout`` seconds in all (a client
  trickling one byte at a time does not reset the clock), and an idle keep-alive connection is
  closed after the same time;
- every other read or write (a body, a response to a client that stopped reading) times out
  after ``io_timeout`` seconds without progress;
- at most ``max_connections`` connections are served at once; the next one is answered 503 and
  closed by the listening thread without starting a thread.
"""

from __future__ import annotations

import io
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = [
    "DEFAULT_HEAD_TIMEOUT",
    "DEFAULT_IO_TIMEOUT",
    "DEFAULT_MAX_CONNECTIONS",
    "BoundedHTTPServer",
    "TimedRequestHandler",
]

# Longer than a browser keeps an unused preconnected socket (Chromium: 10 s), so the browser, not
# the server, closes it: a request sent on a socket the server just closed would fail unretried.
DEFAULT_HEAD_TIMEOUT = 20.0
DEFAULT_IO_TIMEOUT = 30.0
DEFAULT_MAX_CONNECTIONS = 64

_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: 22\r\n"
    b"Retry-After: 1\r\n"
    b"Connection: close\r\n\r\n"
    b"too many connections\r\n"
)


class _DeadlineReader(io.RawIOBase):
    """The socket's reading side; while ``deadline`` is set, no read waits past it."""

    def __init__(self, sock: socket.socket, io_timeout: float) -> None:
        self.sock = sock
        self.io_timeout = io_timeout
        self.deadline: float | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        timeout = self.io_timeout
        if self.deadline is not None:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the request head took too long")
            timeout = min(timeout, remaining)
        self.sock.settimeout(timeout)
        return self.sock.recv_into(buffer)


class TimedRequestHandler(BaseHTTPRequestHandler):
    """A request handler whose reads and writes time out (see the module docstring)."""

    server: BoundedHTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.io_timeout)  # writes: wfile sends on the socket
        # Reads go through a reader that knows the head's deadline. The stdlib's reader is closed
        # first so that closing the socket really closes it.
        self.rfile.close()
        self._reader = _DeadlineReader(self.connection, self.server.io_timeout)
        self.rfile = io.BufferedReader(self._reader)

    def handle_one_request(self) -> None:
        # Waiting for the next request on a kept-alive connection counts against the head's time
        # too: an idle connection is closed after head_timeout.
        self._reader.deadline = time.monotonic() + self.server.head_timeout
        try:
            super().handle_one_request()
        except OSError:  # the client reset or timed out while the answer was being written
            self.close_connection = True
        finally:
            self._reader.deadline = None

    def parse_request(self) -> bool:
        parsed = super().parse_request()  # reads the headers, under the head's deadline
        self._reader.deadline = None
        return parsed


class BoundedHTTPServer(ThreadingHTTPServer):
    """``ThreadingHTTPServer`` with timeouts and a bound on concurrent connections."""

    daemon_threads = True
    # The listen backlog (socketserver's default is 5): connections beyond the bound wait here
    # only until the listening thread answers them 503, which it does at once.
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[TimedRequestHandler],
        *,
        head_timeout: float = DEFAULT_HEAD_TIMEOUT,
        io_timeout: float = DEFAULT_IO_TIMEOUT,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        if head_timeout <= 0 or io_timeout <= 0 or max_connections < 1:
            raise ValueError("timeouts must be positive and max_connections at least 1")
        self.head_timeout = head_timeout
        self.io_timeout = io_timeout
        self.max_connections = max_connections
        self._slots = threading.BoundedSemaphore(max_connections)
        self._active = 0
        self._count_lock = threading.Lock()
        super().__init__(address, handler)

    @property
    def active_connections(self) -> int:
        """Connections being served now (each one a thread)."""
        with self._count_lock:
            return self._active

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self._refuse(request)
            return
        with self._count_lock:
            self._active += 1
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._release()

    def _release(self) -> None:
        with self._count_lock:
            self._active -= 1
        self._slots.release()

    def _refuse(self, request: socket.socket) -> None:
        # Never block the listening thread on a client: a fresh socket's send buffer takes the
        # short answer at once, or the answer is dropped.
        try:
            request.setblocking(False)
            request.send(_BUSY)
        except OSError:
            pass
        finally:
            self.shutdown_request(request)
