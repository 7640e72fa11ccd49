"""The Azure posture checks (ids are stable: waivers and code scanning refer to them)."""

from __future__ import annotations

from infra.checks import Check

VNET_NOT_FOUND = Check(
    "BH-AZURE-VNET-NOT-FOUND", "high", "no virtual network is tagged with the model",
    "nothing of the model can be proven: it is not deployed, or the wrong subscription was read",
    "deploy the model, or read the subscription it is deployed in")
FLOWLOGS_OFF = Check(
    "BH-AZURE-FLOWLOGS-OFF", "medium", "virtual network without an enabled flow log",
    "traffic is not recorded, so `bulkhead observe` has nothing to read",
    "enable a Network Watcher VNet flow log on the virtual network (the stack does)")
SUBNET_NO_NSG = Check(
    "BH-AZURE-SUBNET-NO-NSG", "high", "segment subnet without a network security group",
    "Azure allows all traffic at the subnet layer: only NIC-level NSGs, if any, remain",
    "associate the segment's network security group with the subnet")
DEFAULT_OUTBOUND = Check(
    "BH-AZURE-DEFAULT-OUTBOUND", "medium", "default outbound access on",
    "workloads get an implicit public address and can leave for the internet once an NSG lets them",
    "set defaultOutboundAccess to false on the subnet")
NAT_WITHOUT_EGRESS = Check(
    "BH-AZURE-NAT-WITHOUT-EGRESS", "medium", "NAT gateway on a segment without internet egress",
    "the segment has a way out that the model does not intend; only its NSG stands in the way",
    "remove the NAT gateway from the subnet, or give the segment internet egress in the model")
ENDPOINT_POLICIES_OFF = Check(
    "BH-AZURE-ENDPOINT-POLICIES-OFF", "medium", "private endpoints with network policies off",
    "NSG rules do not apply to the private endpoints in the subnet, so any peer reaches them",
    "set privateEndpointNetworkPolicies to Enabled on the subnet")
ENDPOINT_SUBNET_NO_NSG = Check(
    "BH-AZURE-ENDPOINT-SUBNET-NO-NSG", "medium", "private endpoint subnet without a network security group",
    "nothing filters who reaches the endpoints in the subnet",
    "associate a network security group that admits only the declaring segments")

CHECKS = (VNET_NOT_FOUND, FLOWLOGS_OFF, SUBNET_NO_NSG, DEFAULT_OUTBOUND, NAT_WITHOUT_EGRESS, ENDPOINT_POLICIES_OFF,
          ENDPOINT_SUBNET_NO_NSG)
