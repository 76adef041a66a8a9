"""The walkthrough: what a user and an operator do with Tricircle, replayed on the testbed.

Each step prints what it checked; any failure stops with a non-zero exit.
"""
from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "testbed"))

from tb import clouds, layout  # noqa: E402


def main() -> int:
    for p in layout.saved_pods():
        conn = clouds.connect(p.key)
        hosts = [h.name for h in conn.compute.hypervisors()]
        print(f"{p.region}: compute hosts {hosts}, endpoints in the catalog "
              f"{sorted({e['type'] for e in conn.config.get_service_catalog().catalog})}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
