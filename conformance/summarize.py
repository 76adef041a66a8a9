"""The conformance summary: per side passed/failed/skipped, the ratio passed(RegionOne) /
passed(pod), and every test that passes on the pod but not through RegionOne, grouped by
the HTTP call and answer that broke it (the last 4xx/5xx tempest logged for the test, or
for its class's setup; else the error's first line).

Run with tempest's venv (it has python-subunit):
    python conformance/summarize.py WORKSPACE LIST [TRICIRCLE_5XX]
"""
from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import subunit
import testtools

SIDES = {"pod": "Pod1", "region": "RegionOne"}
_ATTRS = re.compile(r"\[.*\]$")
_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")
_REQUEST = re.compile(r"Request \((\w+):(\w+)\): (\d{3}) (\w+) (\S+)")
_CLASS_SETUP = re.compile(r"^(setUpClass|tearDownClass) \((.+)\)$")


def bare(test_id: str) -> str:
    return _ATTRS.sub("", test_id)


def results(stream: Path) -> tuple[dict[str, str], dict[str, str]]:
    """test id -> success/fail/skip, and test id -> the error's text, from subunit v2."""
    status: dict[str, str] = {}
    details: dict[str, str] = {}

    def on_test(test: dict) -> None:
        tid = bare(test["id"])
        status[tid] = test["status"]
        if test["status"] == "fail":
            text = test["details"].get("traceback")
            details[tid] = text.as_text() if text else ""

    with stream.open("rb") as f:
        case = subunit.ByteStreamToStreamResult(f, non_subunit_name="stdout")
        result = testtools.StreamToDict(on_test)
        result.startTestRun()
        case.run(result)
        result.stopTestRun()
    return status, details


def outcomes(listed: list[str], status: dict[str, str], details: dict[str, str]
             ) -> tuple[dict[str, str], dict[str, str]]:
    """Every listed test's outcome; one whose class setup failed fails with its error."""
    broken = {}
    for tid, st in status.items():
        m = _CLASS_SETUP.match(tid)
        if m and st == "fail":
            broken[m.group(2)] = details.get(tid, "")
    out, why = {}, {}
    for tid in listed:
        cls = tid.rsplit(".", 1)[0]
        st = status.get(tid)
        if st is None and cls in broken:
            st, why[tid] = "fail", broken[cls]
        elif st == "fail":
            why[tid] = details.get(tid, "")
        out[tid] = {"success": "passed", "fail": "failed", "skip": "skipped"}.get(
            st or "", "not run")
    return out, why


def failed_calls(log: Path) -> dict[tuple[str, str], str]:
    """(test class, method or setUpClass) -> the last failing call tempest logged."""
    last: dict[tuple[str, str], str] = {}
    if not log.exists():
        return last
    for line in log.open(errors="replace"):
        m = _REQUEST.search(line)
        if m and int(m.group(3)) >= 400:
            path = re.sub(r"^https?://[^/]+", "", m.group(5)).split("?")[0]
            path = _UUID.sub("{id}", path)
            last[(m.group(1), m.group(2))] = f"{m.group(3)} {m.group(4)} {path}"
    return last


def cause(tid: str, why: str, calls: dict[tuple[str, str], str]) -> str:
    cls, method = tid.rsplit(".", 2)[-2:]
    for key in ((cls, method), (cls, "setUpClass"), (cls, "resource_setup")):
        if key in calls:
            return calls[key]
    lines = [ln.strip() for ln in why.strip().splitlines() if ln.strip()]
    return lines[-1][:160] if lines else "(no error text)"


def main(workspace: Path, list_file: Path, tricircle_5xx: str = "?") -> str:
    listed = [bare(ln.strip()) for ln in list_file.read_text().splitlines() if ln.strip()]
    side_out, side_why = {}, {}
    for side in SIDES:
        stream = workspace / f"{side}.subunit"
        if stream.exists():
            side_out[side], side_why[side] = outcomes(listed, *results(stream))
    lines = [f"# Conformance: {list_file.name}, {len(listed)} tests", "",
             "| side | passed | failed | skipped | not run |", "|---|---|---|---|---|"]
    for side, out in side_out.items():
        c = Counter(out.values())
        lines.append(f"| {SIDES[side]} | {c['passed']} | {c['failed']} | {c['skipped']} "
                     f"| {c['not run']} |")
    if len(side_out) == 2:
        pod, region = side_out["pod"], side_out["region"]
        on_pod = [t for t in listed if pod[t] == "passed"]
        both = [t for t in on_pod if region[t] == "passed"]
        lines += ["", f"Ratio passed(RegionOne) / passed(Pod1): {len(both)} / {len(on_pod)}"
                  f" = {len(both) / max(len(on_pod), 1):.3f}",
                  f"5xx answers in tricircle-api's log during the RegionOne run: "
                  f"{tricircle_5xx}", ""]
        calls = failed_calls(workspace / "logs" / "tempest-RegionOne.log")
        groups: dict[str, list[str]] = defaultdict(list)
        for t in on_pod:
            if region[t] != "passed":
                groups[cause(t, side_why["region"].get(t, ""), calls)].append(
                    f"{t} ({region[t]})")
        lines.append(f"## Passing on Pod1, not through RegionOne: {sum(map(len, groups.values()))}")
        for key, tests in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            lines += ["", f"### {len(tests)}: {key}", *(f"- {t}" for t in sorted(tests))]
    return "\n".join(lines) + "\n"


def smoke(stream: Path, list_file: Path) -> int:
    """CI's check: every listed test passed (or was skipped, as on a pod) through
    RegionOne. Prints the others with their error; the number of them."""
    listed = [bare(ln.strip()) for ln in list_file.read_text().splitlines() if ln.strip()]
    out, why = outcomes(listed, *results(stream))
    bad = [t for t in listed if out[t] not in ("passed", "skipped")]
    c = Counter(out.values())
    print(f"smoke through RegionOne: {c['passed']} passed, {c['skipped']} skipped, "
          f"{len(bad)} failed or not run, of {len(listed)}")
    for t in bad:
        print(f"- {t} ({out[t]}): {cause(t, why.get(t, ''), {})}")
    return len(bad)


if __name__ == "__main__":
    if sys.argv[1] == "--smoke":
        sys.exit(1 if smoke(Path(sys.argv[2]), Path(sys.argv[3])) else 0)
    print(main(Path(sys.argv[1]), Path(sys.argv[2]), *sys.argv[3:4]), end="")
