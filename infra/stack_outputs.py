"""The one output shape every cloud's stack exports (docs/stack-outputs.md).

A workload stack reads a bulkhead network with a `StackReference` and must not care which
cloud built it: every provider's `program` exports exactly these keys, camelCase, with the
same structure per segment. A value a cloud has no counterpart for is None (exported as
null), never a missing key. Values may be Pulumi Outputs: this module only arranges them,
so it imports no Pulumi and no provider.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

# What makes a workload a member of a segment in each cloud: the thing its rules name.
IdentityKind = Literal["securityGroup", "serviceAccount", "applicationSecurityGroup", "podSelector"]

STACK_KEYS = ("cloud", "model", "region", "networkId", "segments")
SEGMENT_KEYS = ("networkId", "subnetIds", "cidrs", "identityKind", "identity", "routeTableId")


@dataclass(frozen=True)
class SegmentOutputs:
    """Where one segment lives in one cloud, as a workload stack needs it."""

    subnet_ids: Sequence[Any]  # AWS one per zone; GCP and Azure one; Kubernetes none
    cidrs: Sequence[str]
    identity_kind: IdentityKind
    identity: Any  # security group id / service account email / ASG id / {namespace, matchLabels}
    route_table_id: Any = None  # AWS only: GCP routes are network-wide, Azure's segments have none


def stack_outputs(cloud: str, model: str, region: str | None, network_id: Any,
                  segments: Mapping[str, SegmentOutputs]) -> dict[str, Any]:
    """The exported document: `{cloud, model, region, networkId, segments: {name: {...}}}`.

    A cluster has no region (None) and its network is the cluster itself (the model's name for it).
    """
    return {
        "cloud": cloud,
        "model": model,
        "region": region,
        "networkId": network_id,
        "segments": {name: {
            "networkId": network_id,
            "subnetIds": list(seg.subnet_ids),
            "cidrs": list(seg.cidrs),
            "identityKind": seg.identity_kind,
            "identity": seg.identity,
            "routeTableId": seg.route_table_id,
        } for name, seg in segments.items()},
    }
