"""Every key a normalizer reads is declared by its cloud's snapshot shapes, so the check before
normalizing has given it its type (or refused the snapshot) by the time the normalizer reads it.

The keys read are found in the normalizers' source (tests/snapshot_keys.py), apart from the
shapes; a key read and declared nowhere is a value the normalizer takes unchecked, the way
`instances.json` and `virtualNetworkPeerings` once crashed audit and verify.
"""

from __future__ import annotations

import pytest

from tests.snapshot_keys import declared_keys, keys_read


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_every_key_a_normalizer_reads_is_declared_by_a_snapshot_shape(cloud):
    read = keys_read(cloud)
    assert len(read) > 40, read  # the source scan still finds the keys (not an empty pass)
    undeclared = {key: sorted(modules) for key, modules in read.items() if key not in declared_keys(cloud)}
    assert undeclared == {}


def test_the_source_scan_finds_the_three_ways_a_normalizer_reads_a_key():
    aws = keys_read("aws")
    assert "policies.py" in aws["NotPrincipal"]  # "NotPrincipal" in statement
    assert "exits.py" in aws["VpcEndpointId"]  # route.get("VpcEndpointId")
    assert "routes.py" in aws["RouteTableId"]  # table["RouteTableId"]
    assert "aws" not in aws  # `"aws" in model.placement(s)` names no key
