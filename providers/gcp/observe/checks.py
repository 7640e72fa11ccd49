"""The GCP posture checks (ids are stable: waivers and code scanning refer to them)."""

from __future__ import annotations

from infra.checks import Check

FLOWLOGS_OFF = Check(
    "BH-GCP-FLOWLOGS-OFF", "medium", "VPC flow logs off on a segment subnet",
    "accepted connections of the segment are not recorded, so `bulkhead observe` cannot see them",
    "enable logConfig on the subnet (the stack does)")
PGA_WITHOUT_SERVICES = Check(
    "BH-GCP-PGA-WITHOUT-SERVICES", "low", "Private Google Access on a segment that declares no services",
    "the segment can reach Google APIs from inside the VPC although the model gives it none",
    "turn privateIpGoogleAccess off, or declare the services the segment needs")
SEGMENT_NOT_FOUND = Check(
    "BH-GCP-SEGMENT-NOT-FOUND", "medium", "segment placed on GCP has no labelled subnet",
    "the segment's paths cannot be proven: it is not deployed, or the wrong project or region was read",
    "deploy the model, or read the project and region it is deployed in")
NAT_MISSING = Check(
    "BH-GCP-NAT-MISSING", "low", "segment with internet egress has no Cloud NAT",
    "instances without external addresses cannot use the egress the model intends",
    "add a Cloud NAT that serves the segment's subnet (the stack does)")
FIREWALL_LOGGING_OFF = Check(
    "BH-GCP-FIREWALL-LOGGING-OFF", "low", "firewall rule does not log",
    "its decisions (notably denied attempts) are not recorded for audit or `bulkhead observe`",
    "enable logConfig on the firewall rule")
EFFECTIVE_FIREWALLS_UNREAD = Check(
    "BH-GCP-EFFECTIVE-FIREWALLS-UNREAD", "medium", "effective firewalls of a network were not collected",
    "hierarchical and network firewall policies could not be checked, and they can open or close paths",
    "collect with an account that may call networks.getEffectiveFirewalls")
FIREWALL_POLICY_NOT_EVALUATED = Check(
    "BH-GCP-FIREWALL-POLICY-NOT-EVALUATED", "high", "firewall policy applies and was not evaluated",
    "a policy's rules are evaluated before or after the VPC rules and can open paths the proof does not see",
    "remove the policy's rules for these networks, or review them and waive this check for the policy")
VPC_PEERED = Check(
    "BH-GCP-VPC-PEERED", "medium", "network is peered with another VPC network",
    "the peer's subnet routes are imported: whatever the firewall lets through to the peer's ranges is reported "
    "as a path to peer:<network>, but the peer's own firewall and workloads are outside the proof",
    "remove the peering, or verify the peered network separately and waive this check for the peering")
INTERNET_ROUTE_DIVERTED = Check(
    "BH-GCP-INTERNET-ROUTE-DIVERTED", "high", "internet-bound traffic is routed to a next hop other than the "
    "default internet gateway",
    "the most specific route for some public or Google APIs addresses sends the segments' traffic to an instance, "
    "an IP address, an internal load balancer, a VPN tunnel, a peering or a hub: it does not leave through the "
    "default internet gateway (an intended internet path through it is reported missing), and what the next hop "
    "does with it (forward it, inspect it, read it) is outside the proof, so a path to the internet through it is "
    "not reported either",
    "route public ranges to default-internet-gateway (the stack does), or verify the appliance separately and waive "
    "this check for the route")
ROUTE_NOT_FOLLOWED = Check(
    "BH-GCP-ROUTE-NOT-FOLLOWED", "medium", "route sends traffic to a next hop bulkhead does not follow",
    "whatever lies beyond (an appliance, a VPN tunnel, a hub, an interconnect) is outside the proof",
    "remove the route, or verify the network beyond it separately and waive this check for the route")

CHECKS = (FLOWLOGS_OFF, PGA_WITHOUT_SERVICES, SEGMENT_NOT_FOUND, NAT_MISSING, FIREWALL_LOGGING_OFF,
          EFFECTIVE_FIREWALLS_UNREAD, FIREWALL_POLICY_NOT_EVALUATED, VPC_PEERED, INTERNET_ROUTE_DIVERTED,
          ROUTE_NOT_FOLLOWED)
