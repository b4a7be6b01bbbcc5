"""A news site on loopback: an RSS feed (honouring ETag), its article pages, and a broken feed."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class NewsSite:
    """A loopback site with an RSS feed (honouring ETag), its article pages and a broken feed."""

    def __init__(self) -> None:
        self.articles: dict[str, tuple[str, str]] = {}
        self.requests: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append(self.path)
                if self.path == "/rss":
                    etag = f'"{len(site.articles)}"'
                    if self.headers.get("If-None-Match") == etag:
                        self.send_response(304)
                        self.end_headers()
                        return
                    self.reply(200, "application/rss+xml", site.rss(), {"ETag": etag})
                elif self.path == "/broken":
                    self.reply(200, "application/rss+xml", b"<rss><channel><item>\x00garbage")
                elif self.path in site.articles:
                    title, body = site.articles[self.path]
                    page = f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
                    page += "".join(f"<p>{p}</p>" for p in body.split("\n")) + "</article></body></html>"
                    self.reply(200, "text/html; charset=utf-8", page.encode())
                else:
                    self.reply(404, "text/plain", b"not found")

            def reply(
                self, status: int, kind: str, body: bytes, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def rss(self) -> bytes:
        items = "".join(
            f"<item><title>{title}</title><link>{self.base}{path}</link></item>"
            for path, (title, _) in self.articles.items()
        )
        return f'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>{items}</channel></rss>'.encode()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
