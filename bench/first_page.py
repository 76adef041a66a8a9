"""A first page does not grow with the total (issue 15).

    .venv/bin/python bench/first_page.py [--rounds 30]

1. Compute: the merged `server list` (limit=50) over 10 simulated pods (bench/list_fanout.py,
   5 ms latency) holding 100, then 10,000 servers each. Goal: ratio <= 1.1.
2. Network: Tricircle's own lists (networks, ports; limit=50, the first page and the page
   after a marker) with 100, then 10,000 rows at the top, through the real WSGI app on
   SQLite, with the SQL statements each request ran counted (no per-row queries: the same
   count at either size).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import webob
from sqlalchemy import event, insert

sys.path.insert(0, str(Path(__file__).resolve().parent))
import list_fanout

from tricircle.api import deploy
from tricircle.core import conf, db
from tricircle.core.db import migration
from tricircle.core.db.models import Network, Port, utcnow

PROJECT = "bench-project"


def compute(rounds: int) -> list[dict]:
    out = []
    for items in (100, 10_000):
        list_fanout.ITEMS_PER_POD = items  # the simulated pods' process is forked after
        row = list_fanout.run(10, 0.005, rounds, 50)
        out.append({"servers_per_pod": items, **row})
        print(json.dumps(out[-1]), flush=True)
    return out


def _identity(app):
    def middleware(environ, start_response):
        environ.update({"HTTP_X_IDENTITY_STATUS": "Confirmed", "HTTP_X_USER_ID": "u",
                        "HTTP_X_PROJECT_ID": PROJECT, "HTTP_X_ROLES": "member,reader"})
        return app(environ, start_response)
    return middleware


def _fill(rows: int) -> None:
    with db.transaction() as s:
        s.execute(Port.__table__.delete())
        s.execute(Network.__table__.delete())
        now = utcnow()
        nets = [{"id": str(uuid.uuid4()), "project_id": PROJECT, "name": f"n{i}",
                 "az_hints": ["az1"], "created_at": now, "updated_at": now}
                for i in range(rows)]
        s.execute(insert(Network), nets)
        s.execute(insert(Port), [{
            "id": str(uuid.uuid4()), "network_id": nets[i % len(nets)]["id"],
            "project_id": PROJECT, "name": f"p{i}",
            "mac_address": f"fa:16:3e:{i >> 16 & 255:02x}:{i >> 8 & 255:02x}:{i & 255:02x}",
            "created_at": now, "updated_at": now} for i in range(rows)])


def network(rounds: int) -> list[dict]:
    app = deploy.network_app(auth=_identity)
    engine = db.session_maker().kw["bind"]
    statements = [0]
    event.listen(engine, "before_cursor_execute", lambda *a, **k: statements.__setitem__(
        0, statements[0] + 1))
    out = []
    for rows in (100, 10_000):
        _fill(rows)
        for coll in ("networks", "ports"):
            first = f"/v2.0/{coll}?limit=50"
            body = webob.Request.blank(first).get_response(app).json_body
            marker = body[coll][-1]["id"]
            for page, path in (("first", first), ("next", f"{first}&marker={marker}")):
                times, counts = [], []
                for _ in range(rounds):
                    statements[0] = 0
                    t = time.perf_counter()
                    resp = webob.Request.blank(path).get_response(app)
                    times.append(time.perf_counter() - t)
                    counts.append(statements[0])
                    assert resp.status_code == 200, resp.text
                    assert len(resp.json_body[coll]) == 50, (path, len(resp.json_body[coll]))
                out.append({"collection": coll, "rows": rows, "page": page,
                            "ms": round(statistics.median(times) * 1000, 2),
                            "sql_statements": max(counts)})
                print(json.dumps(out[-1]), flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    conf.setup([], default_config_files=[])
    conf.CONF.set_override("connection", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite",
                           "database")
    migration.sync()
    merged = compute(args.rounds)
    tops = network(args.rounds)
    print("\n| servers per pod (10 pods) | merged first page (limit=50) | slowest pod alone |")
    print("|---|---|---|")
    for r in merged:
        print(f"| {r['servers_per_pod']} | {r['tricircle_ms']} ms | {r['slowest_pod_ms']} ms |")
    print(f"ratio 10,000 / 100: {merged[1]['tricircle_ms'] / merged[0]['tricircle_ms']:.2f}")
    print("\n| list | rows at the top | page | median | SQL statements |")
    print("|---|---|---|---|---|")
    for r in tops:
        print(f"| {r['collection']} | {r['rows']} | {r['page']} | {r['ms']} ms | "
              f"{r['sql_statements']} |")


if __name__ == "__main__":
    main()
