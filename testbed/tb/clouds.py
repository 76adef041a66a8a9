"""`.testbed/clouds.yaml` for users' tools, and the one test image in Glance."""
from __future__ import annotations

import json

import openstack
import openstack.config
import openstack.connection

from . import layout

CLOUDS_FILE = layout.STATE / "clouds.yaml"


def _cloud(user: str, password: str, project: str, region: str) -> dict:
    return {
        "auth": {"auth_url": layout.KEYSTONE_URL, "username": user, "password": password,
                 "project_name": project, "user_domain_name": "Default",
                 "project_domain_name": "Default"},
        "region_name": region,
        "identity_api_version": 3,
        "interface": "public",
    }


def write(pods: list[layout.Pod]) -> None:
    clouds = {
        "tricircle": _cloud("admin", layout.ADMIN_PASSWORD, "admin", layout.TOP_REGION),
        "tricircle-demo": _cloud("demo", layout.DEMO_PASSWORD, "demo", layout.TOP_REGION),
        "tricircle-alt": _cloud("alt", layout.DEMO_PASSWORD, "alt", layout.TOP_REGION),
    }
    for p in pods:
        clouds[p.key] = _cloud("admin", layout.ADMIN_PASSWORD, "admin", p.region)
        clouds[f"{p.key}-demo"] = _cloud("demo", layout.DEMO_PASSWORD, "demo", p.region)
    # JSON is YAML: no YAML writer needed, and the file stays readable.
    CLOUDS_FILE.write_text(json.dumps({"clouds": clouds}, indent=2) + "\n")


def connect(cloud: str) -> openstack.connection.Connection:
    config = openstack.config.OpenStackConfig(config_files=[str(CLOUDS_FILE)],
                                              load_envvars=False)
    return openstack.connection.Connection(config=config.get_one(cloud))


def ensure_image() -> None:
    """One small public raw image; the fake virt driver never reads its bytes."""
    conn = connect("pod1")
    if any(i.name == layout.IMAGE_NAME for i in conn.image.images(name=layout.IMAGE_NAME)):
        return
    conn.image.create_image(name=layout.IMAGE_NAME, disk_format="raw",
                            container_format="bare", visibility="public",
                            data=b"\0" * (1 << 20), allow_duplicates=True)
