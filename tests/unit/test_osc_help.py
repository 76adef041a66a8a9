"""Every `openstack tricircle ...` command is there and has --help (no cloud needed)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

OPENSTACK = Path(sys.executable).parent / "openstack"


def test_every_command_answers_help() -> None:
    names = sorted(ep.name for ep in metadata.entry_points(group="openstack.tricircle.v1"))
    assert len(names) == 17
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    for name in names:
        words = name.split("_")
        done = subprocess.run([str(OPENSTACK), *words, "--help"], capture_output=True,
                              text=True, env=env, timeout=60)
        assert done.returncode == 0, done.stderr
        usage = " ".join(done.stdout.split())
        assert usage.startswith(f"usage: openstack {' '.join(words)} "), usage[:200]
        # Lists and shows take OSC's output options; deletes print nothing.
        formats = re.search(r"-f \{([a-z,]+)\}", usage)
        assert bool(formats) == (words[-1] != "delete"), name
        assert not formats or {"json", "table", "value", "yaml"} <= set(
            formats.group(1).split(",")), name
