"""Requests per second through tricircle-api as deployed, against the same client calling
a simulated pod directly. Goals (issue 15): >= 1,000 proxied shows/s on 2 cores, <= 1 ms
of tricircle-api CPU per proxied request.

    testbed/up   # its Keystone and memcached; Tricircle's own testbed instance is not used
    .venv/bin/python bench/throughput.py [--clients 1 8 32] [--seconds 10] [--workers 1]

What runs:
- simulated pods (one process of their own): per pod a kept-alive HTTP server answering
  Nova's server show and list and version document, and Neutron's network list and port
  show, at once;
- Keystone (the testbed's): regions BenchPod1..N whose compute and network endpoints are
  the simulated pods (made here, removed at the end);
- tricircle-api started with its real command (gunicorn, `[api] workers`, threads,
  keystonemiddleware with memcached: the client's token is validated once, then cached),
  on its own port and SQLite database, the pods registered through its admin API, the
  servers' routing rows written, one network and port made through its network API;
- the load: another process, asyncio over raw kept-alive connections, C clients each
  sending its next request as soon as the last was answered, for `--seconds`.

Two mixes: `show` (proxied server show only) and `mix` (server show, server list
limit=20, network list, port show in turn). Prints one JSON line per (mix, C) and a
Markdown table. CPU per request is tricircle-api's (all its processes, /proc) over the run.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "testbed"))
from tb import clouds, identity, layout  # noqa: E402

sys.path.insert(0, str(REPO / "bench"))
import list_fanout  # noqa: E402

PORT = 19990
MICROVERSION = "compute 2.79"  # what the benches ask for, through us and direct
SERVERS_PER_POD = 100
VERSION = {"id": "v2.1", "status": "CURRENT", "version": "2.96", "min_version": "2.1",
           "updated": "2013-07-23T11:33:21Z"}


# -- simulated pods -------------------------------------------------------------------
def _server(pod: int, i: int, project: str) -> dict:
    sid = str(uuid.UUID(int=pod << 64 | i))
    return {"id": sid, "name": f"vm-{pod}-{i}", "status": "ACTIVE", "tenant_id": project,
            "user_id": "u", "metadata": {}, "hostId": "h" * 56, "flavor": {
                "vcpus": 1, "ram": 64, "disk": 1, "ephemeral": 0, "swap": 0,
                "original_name": "m1.tiny", "extra_specs": {}},
            "image": {"id": str(uuid.UUID(int=7)), "links": []},
            "created": f"2026-01-01T00:{i % 60:02d}:{pod % 60:02d}Z",
            "updated": "2026-01-01T01:00:00Z", "addresses": {}, "accessIPv4": "",
            "accessIPv6": "", "links": [], "OS-DCF:diskConfig": "MANUAL",
            "OS-EXT-AZ:availability_zone": "nova", "config_drive": "", "key_name": None,
            "OS-SRV-USG:launched_at": "2026-01-01T00:00:01.000000",
            "OS-SRV-USG:terminated_at": None, "OS-EXT-STS:task_state": None,
            "OS-EXT-STS:vm_state": "active", "OS-EXT-STS:power_state": 1,
            "os-extended-volumes:volumes_attached": [], "security_groups": [],
            "locked": False, "description": None, "tags": [], "trusted_image_certificates":
            None, "server_groups": [], "locked_reason": None}


def _sim_pod(pod: int, project: str) -> ThreadingHTTPServer:
    servers = sorted((_server(pod, i, project) for i in range(SERVERS_PER_POD)),
                     key=lambda s: (s["created"], s["id"]), reverse=True)
    by_id = {s["id"]: s for s in servers}
    network = {"id": str(uuid.UUID(int=pod << 64 | 1 << 32)), "name": "net",
               "tenant_id": project, "admin_state_up": True, "status": "ACTIVE",
               "subnets": [], "shared": False, "mtu": 1450}
    port = {"id": str(uuid.UUID(int=pod << 64 | 2 << 32)), "network_id": network["id"],
            "tenant_id": project, "fixed_ips": [], "mac_address": "fa:16:3e:00:00:01",
            "status": "DOWN", "device_id": "", "device_owner": "", "name": "p"}

    class Handler(list_fanout.JsonHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            path, query = url.path.rstrip("/"), parse_qs(url.query)
            if path in ("", "/v2.1"):
                self.answer({"version": {**VERSION, "links": [
                    {"rel": "self", "href": f"http://127.0.0.1:{self.server.server_port}"
                                            "/v2.1/"}]}})
            elif path == "/v2.1/servers/detail":
                start = 0
                if "marker" in query:
                    start = [s["id"] for s in servers].index(query["marker"][0]) + 1
                limit = int(query.get("limit", ["1000"])[0])
                self.answer({"servers": servers[start:start + limit]})
            elif path.startswith("/v2.1/servers/") and path.rsplit("/", 1)[-1] in by_id:
                self.answer({"server": by_id[path.rsplit("/", 1)[-1]]})
            elif path == "/v2.0/networks":
                self.answer({"networks": [network]})
            elif path == f"/v2.0/ports/{port['id']}":
                self.answer({"port": port})
            else:
                self.answer({"itemNotFound": {"code": 404, "message": "no"}}, 404)

    return list_fanout.serve(Handler)


def _serve_pods(n: int, project: str, out: multiprocessing.Queue) -> None:
    pods = [_sim_pod(i, project) for i in range(n)]
    out.put([p.server_port for p in pods])
    threading.Event().wait()


# -- load -----------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Load:
    """C clients on kept-alive connections to host:port, each asking `paths` in turn."""
    host: str
    port: int
    paths: tuple[str, ...]
    headers: str  # "Name: value\r\n" lines
    clients: int
    seconds: float


async def _client(load: Load, until: float, latencies: list[float], offset: int) -> None:
    reader, writer = await asyncio.open_connection(load.host, load.port)
    i = offset
    while time.perf_counter() < until:
        path = load.paths[i % len(load.paths)]
        i += 1
        started = time.perf_counter()
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {load.host}:{load.port}\r\n"
                     f"{load.headers}\r\n".encode())
        status = await reader.readline()
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        if not status.startswith(b"HTTP/1.1 2"):
            raise RuntimeError(f"{path}: {status!r}")
        latencies.append(time.perf_counter() - started)
    writer.close()


def _load(load: Load, out: multiprocessing.Queue) -> None:
    latencies: list[float] = []

    async def run() -> None:
        until = time.perf_counter() + load.seconds
        await asyncio.gather(*(_client(load, until, latencies, k)
                               for k in range(load.clients)))
    started = time.perf_counter()
    asyncio.run(run())
    out.put((latencies, time.perf_counter() - started))


def measure(load: Load, pids: list[int] | None = None) -> dict:
    """Run the load in a process of its own; the figures, and `pids`' CPU per request."""
    warm: multiprocessing.Queue = multiprocessing.Queue()  # connections, token cache
    _load(dataclasses.replace(load, clients=min(load.clients, 4), seconds=1.0), warm)
    warm.get()  # read: a queue left holding more than a pipe's buffer blocks the exit
    queue: multiprocessing.Queue = multiprocessing.Queue()
    cpu_before = _cpu(pids or [])
    proc = multiprocessing.get_context("fork").Process(target=_load, args=(load, queue))
    proc.start()
    latencies, elapsed = queue.get(timeout=load.seconds + 120)
    proc.join()
    cpu = _cpu(pids or []) - cpu_before
    latencies.sort()
    n = len(latencies)
    return {"requests": n, "rps": round(n / elapsed),
            "p50_ms": round(statistics.median(latencies) * 1000, 2),
            "p99_ms": round(latencies[min(n - 1, int(n * 0.99))] * 1000, 2),
            **({"cpu_ms_per_request": round(cpu * 1000 / n, 3)} if pids else {})}


def _cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) of these processes so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _family(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid, *(int(c) for c in children)]


# -- set-up ---------------------------------------------------------------------------
def _register(admin: requests.Session, urls: list[str]) -> list[tuple[str, str]]:
    """Regions BenchPodN with compute and network endpoints at the simulated pods."""
    kid = {"endpoint_filter": {"service_type": "identity", "interface": "public"}}
    services = {s["type"]: s["id"] for s in admin.get("/services", **kid).json()["services"]}
    made = []
    for i, url in enumerate(urls, 1):
        region = f"BenchPod{i}"
        admin.post("/regions", json={"region": {"id": region}}, raise_exc=False, **kid)
        for stype, path in (("compute", "/v2.1"), ("network", "")):
            for interface in ("public", "internal"):
                ep = admin.post("/endpoints", json={"endpoint": {
                    "service_id": services[stype], "interface": interface,
                    "region_id": region, "url": url + path}}, **kid).json()["endpoint"]
                made.append((region, ep["id"]))
    return made


def _unregister(admin: requests.Session, made: list[tuple[str, str]]) -> None:
    kid = {"endpoint_filter": {"service_type": "identity", "interface": "public"},
           "raise_exc": False}
    for _region, ep in made:
        admin.delete(f"/endpoints/{ep}", **kid)
    for region in sorted({r for r, _ in made}):
        admin.delete(f"/regions/{region}", **kid)


def _start(workdir: Path, workers: int, xjob: bool,
           probe_every: float = 0, threads: int | None = None) -> list[subprocess.Popen]:
    """tricircle-api (and tricircle-xjob) with the testbed's options, this bench's port,
    database and metrics directory; no wake-ups or metrics port shared with the
    testbed's own xjob."""
    conf = workdir / BENCH_CONF
    conf.write_text(
        f"[DEFAULT]\nstate_path = {workdir}\n"
        f"[api]\nbind_port = {PORT}\nworkers = {workers}\n"
        + (f"threads = {threads}\n" if threads else "") +
        f"[database]\nconnection = sqlite:///{workdir}/tricircle.sqlite\n"
        f"[metrics]\ndirectory = {workdir}/metrics\nxjob_port = 0\n"
        f"[xjob]\nwake_port = 0\n[health]\ninterval = {probe_every}\n")
    args = _conf_args(workdir)
    venv = REPO / ".venv" / "bin"
    subprocess.run([str(venv / "tricircle-manage"), *args, "db", "sync"], check=True,
                   capture_output=True)
    started = [subprocess.Popen([str(venv / name), *args], stdout=open(
        workdir / f"{name}.log", "ab"), stderr=subprocess.STDOUT)
        for name in ("tricircle-api", *(["tricircle-xjob"] if xjob else []))]
    for _ in range(100):
        try:
            if requests.get(f"http://127.0.0.1:{PORT}/v1.0", timeout=1).ok:
                return started
        except requests.ConnectionError:
            time.sleep(0.2)
    raise RuntimeError(f"tricircle-api did not start: {workdir / 'tricircle-api.log'}")


BENCH_CONF = "bench.conf"


def _conf_args(workdir: Path) -> list[str]:
    """The testbed's options, then this bench's (its port, database, metrics...)."""
    return ["--config-file", str(layout.STATE / "tricircle" / "tricircle.conf"),
            "--config-file", str(workdir / BENCH_CONF)]


@dataclasses.dataclass
class Deployed:
    api: subprocess.Popen
    xjob: subprocess.Popen | None
    ports: list[int]  # the simulated pods'
    token: str  # the demo user's
    conf_args: list[str]  # tricircle-api's command line
    mixes: dict[str, tuple[list[str], list[str]]]  # name -> (through us, to the pod)

    @property
    def request_headers(self) -> dict[str, str]:
        """What every request of the load sends."""
        return {"X-Auth-Token": self.token, "OpenStack-API-Version": MICROVERSION}

    @property
    def headers(self) -> str:
        """The same as Load's "Name: value\\r\\n" lines."""
        return "".join(f"{k}: {v}\r\n" for k, v in self.request_headers.items())


@contextlib.contextmanager
def deployed(pods: int, workers: int, xjob: bool = False,
             probe_every: float = 0, threads: int | None = None) -> Iterator[Deployed]:
    """Simulated pods in Keystone, tricircle-api (and xjob, probing the pods every
    `probe_every` seconds) in front of them, the objects the mixes ask for; everything
    removed at the end."""
    demo = clouds.connect("tricircle-demo")
    project, token = demo.current_project_id, demo.session.get_token()
    queue: multiprocessing.Queue = multiprocessing.Queue()
    sims = multiprocessing.Process(target=_serve_pods, args=(pods, project, queue),
                                   daemon=True)
    sims.start()
    ports = queue.get(timeout=60)
    admin = identity.admin_session()
    made = _register(admin, [f"http://127.0.0.1:{p}" for p in ports])
    workdir = Path(tempfile.mkdtemp(prefix="tricircle-bench-"))
    started = _start(workdir, workers, xjob, probe_every, threads)
    try:
        mixes = _objects(workdir, pods, project=project, token=token, admin=admin)
        yield Deployed(started[0], started[1] if xjob else None, ports, token,
                       _conf_args(workdir), mixes)
    finally:
        for proc in started:
            proc.terminate()
            proc.wait(30)
        _unregister(admin, made)
        sims.terminate()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=None,
                        help="threads per worker (default: [api] threads)")
    parser.add_argument("--pods", type=int, default=2)
    parser.add_argument("--mixes", nargs="+", default=["show", "mix"])
    parser.add_argument("--floor", action="store_true",
                        help="also the show through bench/floor_proxy.py (the floor)")
    args = parser.parse_args()
    results = []
    with deployed(args.pods, args.workers, threads=args.threads) as bench:
        pids = _family(bench.api.pid)
        for mix in args.mixes:
            through, direct = bench.mixes[mix]
            for c in args.clients:
                via = measure(Load("127.0.0.1", PORT, tuple(through), bench.headers, c,
                                   args.seconds), pids)
                pod = measure(Load("127.0.0.1", bench.ports[0], tuple(direct),
                                   bench.headers, c, args.seconds))
                row = {"mix": mix, "clients": c, "tricircle": via, "direct": pod,
                       "rps_ratio": round(via["rps"] / pod["rps"], 2),
                       "p50_ratio": round(via["p50_ms"] / pod["p50_ms"], 2)}
                if args.floor and mix == "show":
                    with _floor(bench.ports[0], args.workers) as floor:
                        row["floor"] = measure(Load("127.0.0.1", FLOOR_PORT, tuple(through),
                                                    bench.headers, c, args.seconds), floor)
                print(json.dumps(row), flush=True)
                results.append(row)
    _table(results, args.workers)


FLOOR_PORT = 19988


@contextlib.contextmanager
def _floor(pod_port: int, workers: int, host: str = "127.0.0.1") -> Iterator[list[int]]:
    """bench/floor_proxy.py under gunicorn as tricircle-api runs (gthread, its default
    16 threads, `workers`) in front of a pod (the first simulated one); its processes'
    pids."""
    proc = subprocess.Popen(
        [str(REPO / ".venv" / "bin" / "gunicorn"), "-k", "gthread", "--threads", "16",
         "-w", str(workers), "-b", f"127.0.0.1:{FLOOR_PORT}", "floor_proxy:app"],
        cwd=REPO / "bench", env={**os.environ, "FLOOR_POD": f"{host}:{pod_port}"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            with contextlib.suppress(requests.ConnectionError):
                requests.get(f"http://127.0.0.1:{FLOOR_PORT}/v2.1", timeout=1)
                break
            time.sleep(0.1)
        time.sleep(0.5)  # its workers forked
        yield _family(proc.pid)
    finally:
        proc.terminate()
        proc.wait(30)


def _objects(workdir: Path, pods: int, *, project: str, token: str,
             admin: requests.Session) -> dict[str, tuple[list[str], list[str]]]:
    """Pods registered, servers' routing rows, a network and a port; the mixes' paths."""
    top = f"http://127.0.0.1:{PORT}"
    call = requests.Session()
    call.headers["X-Auth-Token"] = admin.get_token()
    call.post(f"{top}/v1.0/pods", json={"pod": {"pod_name": layout.TOP_REGION}})
    pod_ids = [call.post(f"{top}/v1.0/pods", json={"pod": {
        "pod_name": f"BenchPod{i}", "az_name": f"benchaz{i}"}}).json()["pod"]["pod_id"]
        for i in range(1, pods + 1)]
    _routings(workdir, pod_ids, project)
    user = requests.Session()
    user.headers["X-Auth-Token"] = token
    net = user.post(f"{top}/networking/v2.0/networks", json={"network": {
        "name": "bench", "availability_zone_hints": ["benchaz1"]}}).json()["network"]
    user.post(f"{top}/networking/v2.0/subnets", json={"subnet": {
        "network_id": net["id"], "cidr": "10.99.0.0/24", "ip_version": 4}})
    port = user.post(f"{top}/networking/v2.0/ports", json={"port": {
        "network_id": net["id"]}}).json()["port"]
    server = str(uuid.UUID(int=0 << 64 | 5))
    return {
        "show": ([f"/compute/v2.1/servers/{server}"], [f"/v2.1/servers/{server}"]),
        "mix": ([f"/compute/v2.1/servers/{server}", "/compute/v2.1/servers/detail?limit=20",
                 "/networking/v2.0/networks", f"/networking/v2.0/ports/{port['id']}"],
                [f"/v2.1/servers/{server}", "/v2.1/servers/detail?limit=20",
                 "/v2.0/networks", "/v2.0/ports/" + str(uuid.UUID(int=2 << 32))]),
    }


def _routings(workdir: Path, pod_ids: list[str], project: str) -> None:
    """The servers' routing rows, as a boot through Tricircle would have left them."""
    from tricircle.core import conf, db  # noqa: PLC0415
    from tricircle.core.db.models import Routing  # noqa: PLC0415
    conf.setup(_conf_args(workdir))
    with db.transaction() as s:
        for n, pod_id in enumerate(pod_ids):
            for i in range(SERVERS_PER_POD):
                sid = str(uuid.UUID(int=n << 64 | i))
                s.add(Routing(top_id=sid, bottom_id=sid, pod_id=pod_id,
                              project_id=project, resource_type="server"))


def _table(results: list[dict], workers: int) -> None:
    print(f"\n| mix | C | req/s | p50 ms | p99 ms | CPU ms/req | direct req/s | direct p50 ms "
          f"| req/s ratio | p50 ratio |  ({workers} worker(s))")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        t, d = r["tricircle"], r["direct"]
        print(f"| {r['mix']} | {r['clients']} | {t['rps']} | {t['p50_ms']} | {t['p99_ms']} | "
              f"{t['cpu_ms_per_request']} | {d['rps']} | {d['p50_ms']} | {r['rps_ratio']} | "
              f"{r['p50_ratio']} |")
    floors = [r for r in results if "floor" in r]
    if floors:
        print("\n| C | floor req/s | floor p50 ms | floor CPU ms/req | Tricircle CPU / floor |")
        print("|---|---|---|---|---|")
        for r in floors:
            f = r["floor"]
            print(f"| {r['clients']} | {f['rps']} | {f['p50_ms']} | {f['cpu_ms_per_request']} "
                  f"| {r['tricircle']['cpu_ms_per_request'] / f['cpu_ms_per_request']:.1f} |")


if __name__ == "__main__":
    main()
