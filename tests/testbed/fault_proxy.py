"""A proxy in front of a pod's API that lets a write through and then answers 500 anyway:
the pod did the work but its caller is told it failed (a crash after the commit, a load
balancer's timeout). Everything else passes through unchanged, kept-alive."""
from __future__ import annotations

import http.client
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
               "proxy-authorization", "proxy-authenticate", "content-length"}


class FaultProxy:
    """Forwards to `target`; the first `times` requests matching `method path` (a regex
    over e.g. "POST /v2.0/routers") get a Neutron-shaped 500 after the target answered."""

    def __init__(self, target: str, match: str, times: int = 1) -> None:
        parts = urlsplit(target)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.match, self.left = re.compile(match), times
        self.fired: list[str] = []  # "METHOD path -> the target's status"
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _fire(self, request_line: str) -> bool:
        with self.lock:
            if self.left > 0 and self.match.match(request_line):
                self.left -= 1
                return True
            return False

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in _HOP_BY_HOP}
                conn = http.client.HTTPConnection(proxy.host, proxy.port, timeout=120)
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    resp = conn.getresponse()
                    content = resp.read()
                finally:
                    conn.close()
                line = f"{self.command} {self.path}"
                if proxy._fire(line):
                    proxy.fired.append(f"{line} -> {resp.status}")
                    self._answer(500, [("Content-Type", "application/json")], json.dumps(
                        {"NeutronError": {"type": "HTTPInternalServerError", "detail": "",
                                          "message": "injected: done, then failed"}}
                    ).encode())
                    return
                self._answer(resp.status, [(k, v) for k, v in resp.getheaders()
                                           if k.lower() not in _HOP_BY_HOP], content)

            def _answer(self, status: int, headers: list, content: bytes) -> None:
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(content)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _forward

        return Handler
