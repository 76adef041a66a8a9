"""The floor under a proxied show: the least a Python gateway on gunicorn can do, a WSGI
app that forwards a GET to the pod over a kept-alive http.client connection and returns
the answer as it came. No token check, no routing, no translation. bench/throughput.py
--floor serves it with tricircle-api's worker and thread settings.

    FLOOR_POD=127.0.0.1:PORT gunicorn -k gthread --threads 16 floor_proxy:app
"""
from __future__ import annotations

import http.client
import os
import threading
from collections.abc import Callable, Iterable

_HOST, _PORT = os.environ.get("FLOOR_POD", "127.0.0.1:80").rsplit(":", 1)
_local = threading.local()


def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = http.client.HTTPConnection(_HOST, int(_PORT))
    path = environ["PATH_INFO"].removeprefix("/compute")
    headers = {"X-Auth-Token": environ.get("HTTP_X_AUTH_TOKEN", ""),
               "Accept": "application/json"}
    if "HTTP_OPENSTACK_API_VERSION" in environ:  # the pod answers at the same microversion
        headers["OpenStack-API-Version"] = environ["HTTP_OPENSTACK_API_VERSION"]
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    body = resp.read()
    start_response(f"{resp.status} {resp.reason}", [
        ("Content-Type", resp.getheader("Content-Type", "application/json")),
        ("Content-Length", str(len(body)))])
    return [body]
