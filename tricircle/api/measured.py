"""Every API request counted and timed (tricircle/core/metrics.py), by the route template
it matched (api/wsgi.py), never by the raw path: ids would make every request a series;
and logged, one line each, as Nova's request log does (the log line's prefix names the
process and the request id)."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from tricircle.api.wsgi import ROUTE
from tricircle.core import metrics

LOG = logging.getLogger(__name__)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"})


class Measured:
    def __init__(self, app: Callable, api: str) -> None:
        self.app, self.api = app, api

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.monotonic()
        status, length = ["500"], ["-"]

        def start(line: str, headers: list, exc_info: Any = None) -> Any:
            status[0] = line.split(" ", 1)[0]
            length[0] = next((v for k, v in headers if k.lower() == "content-length"), "-")
            return start_response(line, headers, exc_info)
        try:
            body = self.app(environ, start)
        except BaseException:
            self.record(environ, status[0], length[0], time.monotonic() - started)
            raise
        elapsed = time.monotonic() - started  # the API's time, as Nova's request log's
        # Counted and logged once the server has sent the answer (it closes the body):
        # the caller does not wait for the log line.
        return _Closing(body, lambda: self.record(environ, status[0], length[0], elapsed))

    def record(self, environ: dict, status: str, length: str, elapsed: float) -> None:
        method = environ.get("REQUEST_METHOD", "")
        method = method if method in METHODS else "other"
        route = environ.get(ROUTE, "unmatched")
        metrics.API_REQUESTS.labels(self.api, method, route, status).inc()
        metrics.API_SECONDS.labels(self.api, method, route).observe(elapsed)
        ctx = environ.get("tricircle.context")
        if ctx is not None and route != "unmatched":
            metrics.API_FANOUT.labels(self.api, method, route).observe(len(ctx.pods_called))
        query = environ.get("QUERY_STRING")
        LOG.info('%s "%s %s%s%s" status: %s len: %s time: %.4f',
                 environ.get("REMOTE_ADDR", "-"), environ.get("REQUEST_METHOD", ""),
                 environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""),
                 f"?{query}" if query else "", status, length, elapsed)


class _Closing:
    """An answer's body that runs `done` when the server closes it (PEP 3333: always,
    once the body is sent or the client gone)."""

    def __init__(self, body: Iterable[bytes], done: Callable[[], None]) -> None:
        self.body, self.done = body, done

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.body)

    def close(self) -> None:
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self.done()
