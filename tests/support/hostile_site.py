"""A web server on loopback that misbehaves on request: redirects inwards, trickles, never ends, bombs.

Each path is one behaviour; `requests` records every path asked for, so a test can tell whether a
refused fetch sent anything at all.
"""

from __future__ import annotations

import contextlib
import gzip
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARTICLE = (
    "<html><head><title>{title}</title>{head}</head><body><article><h1>{title}</h1>"
    "<p>{body}</p><p>The second paragraph says more about the same news, at some length.</p>"
    "</article></body></html>"
)


def page(title: str, body: str, head: str = "") -> str:
    return ARTICLE.format(title=title, body=body, head=head)


class HostileSite:
    """Serves `routes[path](handler)`; helpers below build the usual misbehaviours."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.headers: list[dict[str, str]] = []
        self.routes: dict[str, Callable[[BaseHTTPRequestHandler], None]] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append(self.path)
                site.headers.append(dict(self.headers))
                route = site.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up
                    route(self)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # Behaviours

    def serve(
        self, path: str, body: bytes, content_type: str = "text/html; charset=utf-8", **headers: str
    ) -> None:
        def route(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(200)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                handler.send_header(name.replace("_", "-"), value)
            handler.end_headers()
            handler.wfile.write(body)

        self.routes[path] = route

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        def route(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(status)
            handler.send_header("Location", location)
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        self.routes[path] = route

    def status(self, path: str, status: int) -> None:
        """A bare status line and no body: a 503, or a redirect that names no Location."""

        def route(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(status)
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        self.routes[path] = route

    def trickle(self, path: str, every: float = 0.3, headers_too: bool = False) -> None:
        """One byte at a time, forever: of the body, or (headers_too) already of the headers."""

        def route(handler: BaseHTTPRequestHandler) -> None:
            out = handler.wfile
            if headers_too:
                for byte in b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Slow: " + b"a" * 10_000:
                    out.write(bytes([byte]))
                    out.flush()
                    time.sleep(every)
                return
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html")
            handler.end_headers()
            for _ in range(10_000):
                out.write(b"<")
                out.flush()
                time.sleep(every)

        self.routes[path] = route

    def endless(self, path: str, declared: int | None = None) -> None:
        """A body that never ends (or, with `declared`, claims that length and sends nothing)."""
        chunk = b"<p>" + b"x" * 65_530 + b"</p>"

        def route(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html")
            if declared is not None:
                handler.send_header("Content-Length", str(declared))
                handler.end_headers()
                time.sleep(2)
                return
            handler.end_headers()
            for _ in range(100_000):  # 6.5 GB if nobody stops reading
                handler.wfile.write(chunk)

        self.routes[path] = route

    def gzip_bomb(self, path: str, inflated: int) -> bytes:
        """A gzip body of `inflated` zero bytes; returns the compressed body."""
        body = gzip.compress(b"\0" * inflated, compresslevel=9)
        self.serve(path, body, "text/html", Content_Encoding="gzip")
        return body
