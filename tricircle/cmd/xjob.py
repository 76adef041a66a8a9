"""tricircle-xjob: job workers; run as many as you like, on as many hosts."""
from __future__ import annotations

import signal
import sys

from tricircle.core import conf, metrics
from tricircle.xjob import worker as xjob


def main(argv: list[str] | None = None) -> int:
    conf.setup(sys.argv[1:] if argv is None else argv)
    metrics.prepare("xjob")
    stop = xjob.serve()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(3600):
        pass
    return 0
