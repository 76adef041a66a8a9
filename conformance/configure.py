"""Write tempest.conf for RegionOne and for Pod1 from tempest.conf.in: the same options,
the region differs. Image, flavors and the network extension list come from the running
testbed (two flavors made through RegionOne, so they exist in every pod with one id).

    .venv/bin/python conformance/configure.py WORKSPACE
"""
from __future__ import annotations

import sys
from pathlib import Path

import openstack
import openstack.config

HERE = Path(__file__).resolve().parent
CLOUDS = HERE.parent / ".testbed" / "clouds.yaml"
IMAGE = "tiny-raw"
FLAVORS = (("conformance-1", 64), ("conformance-2", 128))
SIDES = {"pod": "Pod1", "region": "RegionOne"}


def connect(name: str) -> openstack.connection.Connection:
    config = openstack.config.OpenStackConfig(config_files=[str(CLOUDS)], load_envvars=False)
    return openstack.connection.Connection(config=config.get_one(name))


def flavor(top: openstack.connection.Connection, name: str, ram: int) -> str:
    found = top.compute.find_flavor(name)
    if found is None:
        found = top.compute.create_flavor(name=name, ram=ram, vcpus=1, disk=1)
    return found.id


def main(workspace: Path) -> None:
    top, pod = connect("tricircle"), connect("pod1")
    values = {
        "@IMAGE@": top.image.find_image(IMAGE, ignore_missing=False).id,
        "@FLAVOR1@": flavor(top, *FLAVORS[0]), "@FLAVOR2@": flavor(top, *FLAVORS[1]),
        # The pod's own list: a test of an extension RegionOne does not serve fails
        # there instead of being skipped.
        "@NETEXT@": ",".join(sorted(e.alias for e in pod.network.extensions())),
        "WORKSPACE": str(workspace),
    }
    template = (HERE / "tempest.conf.in").read_text()
    for side, region in SIDES.items():
        text = template.replace("@REGION@", region)
        for key, value in values.items():
            text = text.replace(key, value)
        (workspace / "etc" / f"tempest-{side}.conf").write_text(text)


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
