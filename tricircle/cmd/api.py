"""tricircle-api: serve every API (admin /v1.0, compute /compute/v2.1, ...) on one port."""
from __future__ import annotations

import sys
from collections.abc import Callable

from gunicorn.app.base import BaseApplication

from tricircle.api import deploy
from tricircle.core import clients, conf, db, metrics


class _Server(BaseApplication):
    def __init__(self, app: Callable, options: dict) -> None:
        self.app, self.options = app, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Callable:
        return self.app


def _after_fork(_server: object, _worker: object) -> None:
    """The app is built before gunicorn forks its workers: each opens its own database
    connections and pod clients."""
    db.after_fork()
    clients.after_fork()


def main(argv: list[str] | None = None) -> int:
    cfg = conf.setup(sys.argv[1:] if argv is None else argv)
    metrics.prepare("api")  # gunicorn's workers count into one directory
    options = {
        "bind": f"{cfg.api.bind_host}:{cfg.api.bind_port}",
        # Threads wait on the pods; processes use more than one core.
        "workers": cfg.api.workers, "worker_class": "gthread", "threads": cfg.api.threads,
        # Requests are logged by the API itself (api/measured.py): gunicorn's access log
        # cost a tenth of a proxied call's CPU.
        "timeout": int(cfg.client.timeout) + 30,
        # Longer than any client keeps an idle connection (gunicorn's 2 s default closed
        # connections openstacksdk's 2 s polls were about to reuse).
        "keepalive": cfg.api.keepalive,
        "control_socket_disable": True,
        "post_fork": _after_fork,
    }
    sys.argv = sys.argv[:1]  # gunicorn parses argv too; ours was parsed by oslo.config
    _Server(deploy.all_apps(cfg), options).run()
    return 0
