"""Limits and quotas at the top are the pods' added up."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tricircle.compute import quotas


def test_limits_add_up_and_unlimited_wins() -> None:
    pods = [{"limits": {"rate": [], "absolute": {"maxTotalCores": 20, "totalCoresUsed": 3,
                                                 "maxTotalInstances": -1}}},
            {"limits": {"rate": [], "absolute": {"maxTotalCores": 10, "totalCoresUsed": 1,
                                                 "maxTotalInstances": 10}}}]
    assert quotas.total(pods) == {"limits": {"rate": [], "absolute": {
        "maxTotalCores": 30, "totalCoresUsed": 4, "maxTotalInstances": -1}}}


def test_quota_details_add_field_by_field() -> None:
    one = {"quota_set": {"id": "p", "cores": {"in_use": 1, "limit": 20, "reserved": 0}}}
    two = {"quota_set": {"id": "p", "cores": {"in_use": 2, "limit": 20, "reserved": 0}}}
    assert quotas.total([one, two]) == {"quota_set": {"id": "p", "cores": {
        "in_use": 3, "limit": 40, "reserved": 0}}}


def test_limits_of_one_object_are_the_tightest_pods() -> None:
    one = {"absolute": {"maxServerMeta": 128, "maxTotalKeypairs": 100, "totalKeyPairsUsed": 2}}
    two = {"absolute": {"maxServerMeta": 64, "maxTotalKeypairs": -1, "totalKeyPairsUsed": 2}}
    assert quotas.total([one, two]) == {"absolute": {
        "maxServerMeta": 64, "maxTotalKeypairs": 100, "totalKeyPairsUsed": 2}}
    detail = [{"quota_set": {"metadata_items": {"in_use": 0, "limit": 128}}},
              {"quota_set": {"metadata_items": {"in_use": 0, "limit": 100}}}]
    assert quotas.total(detail) == {"quota_set": {"metadata_items": {"in_use": 0,
                                                                     "limit": 100}}}


@given(total=st.integers(min_value=0, max_value=10_000), pods=st.integers(1, 12))
def test_a_quota_set_at_the_top_is_shared_out_to_add_up(total: int, pods: int) -> None:
    shares = quotas.shares({"volumes": total, "gigabytes": -1, "per_volume_gigabytes": 7,
                            "snapshots": "x"}, pods)
    assert quotas.total(shares) == {"volumes": total, "gigabytes": -1,
                                    "per_volume_gigabytes": 7, "snapshots": "x"}
    counts = [s["volumes"] for s in shares]
    assert max(counts) - min(counts) <= 1 and counts == sorted(counts, reverse=True)
    assert all(s["gigabytes"] == -1 and s["per_volume_gigabytes"] == 7 for s in shares)
