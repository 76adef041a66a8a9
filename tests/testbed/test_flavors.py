"""Flavors made at the top exist in every pod with one id; new pods get them by a job."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.testbed.test_spine import openstack, openstack_error, openstack_ok, openstack_quiet
from tricircle.compute import sync as compute_sync
from tricircle.core import db, pods
from tricircle.core.context import admin_context
from tricircle.core.db.models import Job, Pod
from tricircle.xjob import handlers


def test_admin_flavors_are_made_and_removed_in_every_pod(cloud: Callable, unique: str,
                                                         cleanup: Callable) -> None:
    made = openstack("tricircle", "flavor", "create", "--ram", "64", "--disk", "1",
                     "--vcpus", "1", unique)
    cleanup(lambda: openstack_quiet("tricircle", "flavor", "delete", made["id"]))
    for pod in ("pod1", "pod2"):
        there = cloud(pod).compute.get_flavor(made["id"])
        assert (there.name, there.ram, there.vcpus) == (unique, 64, 1)
    assert openstack("tricircle-demo", "flavor", "show", unique)["id"] == made["id"]
    assert "403" in openstack_error("tricircle-demo", "flavor", "create", "--ram", "64",
                                    f"{unique}-member")
    # A name the pods already hold is refused, and nothing is left half-made.
    assert "409" in openstack_error("tricircle", "flavor", "create", "--ram", "64", unique)
    openstack_ok("tricircle", "flavor", "delete", made["id"])
    for pod in ("pod1", "pod2"):
        assert cloud(pod).compute.find_flavor(made["id"]) is None


@pytest.mark.disruptive  # copies every flavor of the pods into Pod2
def test_a_pod_registered_later_gets_every_flavor(tricircle_conf: Path, database: str,
                                                  cloud: Callable, unique: str,
                                                  cleanup: Callable) -> None:
    flavor = cloud("pod1").compute.create_flavor(name=unique, ram=64, vcpus=1, disk=1)
    cleanup(lambda: [cloud(p).compute.delete_flavor(flavor.id, ignore_missing=True)
                     for p in ("pod1", "pod2")])
    with db.transaction() as s:
        s.add(Pod(pod_name="Pod1", az_name="az1"))
    with db.transaction() as s:
        pod2 = pods.create_pod(s, pod_name="Pod2", az_name="az2", pod_az_name=None,
                               dc_name=None, region_exists=lambda name: True)
    with db.transaction() as s:
        [job] = s.scalars(select(Job).where(Job.type == "sync_flavors"))
    assert job.resource == {"pod_id": pod2.pod_id}
    compute_sync.sync_flavors(admin_context(), job.resource)
    copy = cloud("pod2").compute.get_flavor(flavor.id)
    assert (copy.name, copy.ram, copy.disk) == (unique, 64, 1)
    compute_sync.sync_flavors(admin_context(), job.resource)  # idempotent
    assert handlers.HANDLERS["sync_flavors"] is compute_sync.sync_flavors
