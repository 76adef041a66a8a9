"""The committed configuration and policy samples are what the code generates."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.mark.parametrize(("tool", "generator", "sample"), [
    ("oslo-config-generator", "tricircle-config-generator.conf", "tricircle.conf.sample"),
    ("oslopolicy-sample-generator", "tricircle-policy-generator.conf", "policy.yaml.sample"),
])
def test_sample_is_current(tool: str, generator: str, sample: str, tmp_path: Path) -> None:
    out = tmp_path / sample
    subprocess.run([str(BIN / tool), "--config-file", str(REPO / "etc/tricircle" / generator),
                    "--output-file", str(out)], check=True, cwd=REPO, capture_output=True)
    committed = (REPO / "etc/tricircle" / sample).read_text()
    assert out.read_text() == committed, (
        f"etc/tricircle/{sample} is stale: run `{tool} --config-file "
        f"etc/tricircle/{generator}`")
