"""Memory under a steady load: the RSS of each tricircle-api worker and of tricircle-xjob
over a soak of bench/throughput.py's mix. Goal (issue 15): <= 5% growth.

    testbed/up
    .venv/bin/python bench/soak.py [--minutes 10] [--clients 8] [--workers 2]

tricircle-api (gunicorn, `--workers` processes) and one tricircle-xjob (probing the
simulated pods every second: a database write per service per second) run as in
bench/throughput.py; the mix runs for `--minutes`; RSS is sampled every `--every`
seconds. Growth is measured from the first sample after the warm-up minute.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import throughput


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--every", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=60)
    args = parser.parse_args()
    with throughput.deployed(2, args.workers, xjob=True, probe_every=1) as bench:
        through, _ = bench.mixes["mix"]
        seconds = args.minutes * 60
        load = throughput.Load("127.0.0.1", throughput.PORT, tuple(through), bench.headers,
                               args.clients, seconds)
        done: multiprocessing.Queue = multiprocessing.Queue()
        runner = multiprocessing.get_context("fork").Process(target=throughput._load,
                                                             args=(load, done))
        runner.start()
        assert bench.xjob is not None
        named = {f"api-worker-{i}": pid for i, pid in
                 enumerate(throughput._family(bench.api.pid)[1:], 1)}
        named["xjob"] = bench.xjob.pid
        samples: dict[str, list[tuple[float, float]]] = {n: [] for n in named}
        started = time.monotonic()
        while runner.is_alive() and time.monotonic() - started < seconds + 30:
            at = time.monotonic() - started
            for name, pid in named.items():
                samples[name].append((round(at), round(rss_mib(pid), 1)))
            print(json.dumps({"t": round(at), **{n: s[-1][1] for n, s in samples.items()}}),
                  flush=True)
            time.sleep(args.every)
        latencies, elapsed = done.get(timeout=120)
        runner.join()
    print(f"\n{len(latencies)} requests in {elapsed:.0f} s ({len(latencies) / elapsed:.0f}/s),"
          f" {args.clients} clients, {args.workers} API workers")
    print("\n| process | RSS after warm-up | end | max | growth |")
    print("|---|---|---|---|---|")
    for name, series in samples.items():
        steady = [rss for t, rss in series if t >= args.warmup] or [series[-1][1]]
        growth = (steady[-1] - steady[0]) / steady[0] * 100
        print(f"| {name} | {steady[0]} MiB | {steady[-1]} MiB | {max(steady)} MiB | "
              f"{growth:+.1f}% |")


if __name__ == "__main__":
    main()
