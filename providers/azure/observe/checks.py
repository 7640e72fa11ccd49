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
VNET_PEERED = Check(
    "BH-AZURE-VNET-PEERED", "medium", "virtual network is peered with another one",
    "the peer's address space joins the VirtualNetwork service tag and its workloads are outside the proof: "
    "whatever the NSGs let through to it is reported as a path to peer:<network>, but what the peer itself "
    "allows is not verified",
    "remove the peering, or verify the peered network separately and waive this check for the peering")
SERVICE_ENDPOINT_OPEN = Check(
    "BH-AZURE-SERVICE-ENDPOINT-OPEN", "high", "subnet service endpoint without a service endpoint policy",
    "with the endpoint and an NSG allow to the service's tag (or to Internet), the subnet's workloads reach EVERY "
    "account of that service, in any tenant, over the Azure backbone: a private path out for data",
    "remove the service endpoint and use the private endpoint bulkhead builds, or attach a service endpoint "
    "policy that names the accounts the segment may use")
SUBNET_NSG_ALONE_OPENS = Check(
    "BH-AZURE-SUBNET-NSG-ALONE-OPENS", "high", "the subnet NSG alone allows a path the model does not intend",
    "only the NIC NSG stops the path: removing or loosening that NSG (or a NIC created without it) opens it",
    "remove the subnet NSG rules named in the evidence, or declare the flow in the model")
NIC_NSG_ALONE_OPENS = Check(
    "BH-AZURE-NIC-NSG-ALONE-OPENS", "medium", "a NIC NSG alone allows a path the model does not intend",
    "only the subnet NSG stops the path: the NIC's own NSG (its rules, or Azure's AllowVnet defaults) no longer "
    "backs the subnet NSG up",
    "give the NIC NSG deny rules like the subnet NSG's (or remove it), or declare the flow in the model")

CHECKS = (VNET_NOT_FOUND, FLOWLOGS_OFF, SUBNET_NO_NSG, DEFAULT_OUTBOUND, NAT_WITHOUT_EGRESS, ENDPOINT_POLICIES_OFF,
          ENDPOINT_SUBNET_NO_NSG, VNET_PEERED, SERVICE_ENDPOINT_OPEN, SUBNET_NSG_ALONE_OPENS, NIC_NSG_ALONE_OPENS)
