"""A webhook receiver on loopback, for the tests and the benchmarks: it keeps what it receives
(headers and the raw body, as a signature check needs them) and can be told to answer with an
error, as a partner's server that is down does."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Inbox:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.failing_with: int | None = None  # answer every request with this status
        self.refused = 0
        self.arrived = threading.Condition()

    def wait_until(self, condition: Callable[[], object], timeout: float = 20) -> bool:
        with self.arrived:
            return bool(self.arrived.wait_for(condition, timeout=timeout))


@contextmanager
def running_receiver() -> Iterator[tuple[Inbox, str]]:
    """A receiver on a free loopback port; yields its inbox and its URL."""
    inbox = Inbox()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with inbox.arrived:
                if inbox.failing_with is not None:
                    inbox.refused += 1
                    status = inbox.failing_with
                else:
                    inbox.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                    status = 204
                inbox.arrived.notify_all()
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield inbox, f"http://127.0.0.1:{server.server_address[1]}/hooks/referrals"
    finally:
        server.shutdown()
        server.server_close()
