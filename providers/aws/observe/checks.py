"""The AWS posture checks (ids are stable: waivers and code scanning refer to them)."""

from __future__ import annotations

from infra.checks import Check

FLOWLOGS_OFF = Check(
    "BH-AWS-FLOWLOGS-OFF", "medium", "VPC flow logs off or failing",
    "without flow logs neither accepted nor rejected connections are recorded, so a breach or a scan leaves no trace "
    "and `bulkhead observe` has nothing to read",
    "create a flow log of ALL traffic on the VPC (the stack does) and check its delivery status")
DEFAULT_SG_RULES = Check(
    "BH-AWS-DEFAULT-SG-RULES", "medium", "default security group has rules",
    "anything launched without an explicit group lands in the VPC default group and gets whatever it allows",
    "remove every rule of the default security group")
DEFAULT_SG_IN_USE = Check(
    "BH-AWS-DEFAULT-SG-IN-USE", "medium", "interface in the default security group",
    "the workload's access is not its segment's, and it shares a group with every other stray interface",
    "give the interface its segment's security group and remove the default one")
ENDPOINT_DEFAULT_SG = Check(
    "BH-AWS-ENDPOINT-DEFAULT-SG", "medium", "interface endpoint in the default security group",
    "the endpoint admits whatever the default group admits instead of only the declaring segments",
    "give the endpoint a group that admits only the segments that declare the service")
DEFAULT_NACL = Check(
    "BH-AWS-DEFAULT-NACL", "medium", "segment subnet on the default network ACL",
    "the default NACL allows all traffic unless neutralised; the segment loses its stateless layer",
    "associate the segment's own network ACL")
NACL_ALLOW_ALL = Check(
    "BH-AWS-NACL-ALLOW-ALL", "medium", "NACL entry allows every protocol from or to anywhere",
    "the network ACL no longer backs up the security groups: one group mistake opens the path",
    "replace the entry with entries for the model's flows")
SG_PUBLIC_INGRESS = Check(
    "BH-AWS-SG-PUBLIC-INGRESS", "high", "security group admits a public range on a non-edge segment",
    "the segment is one NACL or route change away from being reachable from the internet",
    "remove the rule, or give the segment internet ingress in the model if it is an edge")
IGW_ROUTE_NON_EDGE = Check(
    "BH-AWS-IGW-ROUTE-NON-EDGE", "medium", "non-edge subnet routes to an internet gateway",
    "a public subnet lets any workload with a public address be reached from the internet",
    "route the subnet's internet traffic through the NAT gateway, or remove the route")
ROUTE_LEAVES_VPC = Check(
    "BH-AWS-ROUTE-LEAVES-VPC", "medium", "route leaves the VPC to a target bulkhead does not follow",
    "whatever lies beyond (a transit gateway, a peering, a VPN) is outside the proof",
    "remove the route, or verify the network beyond it separately and waive this check for the route")
SUBNET_UNMODELLED = Check(
    "BH-AWS-SUBNET-UNMODELLED", "medium", "subnet in the model's VPC belongs to no segment",
    "its workloads are outside the proof, and rules naming its range name no endpoint",
    "tag the subnet with its segment (bulkhead:segment) or remove it")
SUBNET_AUTO_PUBLIC_IP = Check(
    "BH-AWS-SUBNET-AUTO-PUBLIC-IP", "medium", "non-edge subnet assigns public addresses on launch",
    "every instance launched there gets a public address the model does not intend",
    "turn MapPublicIpOnLaunch off on the subnet")
PUBLIC_IP_NON_EDGE = Check(
    "BH-AWS-PUBLIC-IP-NON-EDGE", "high", "interface of a non-edge segment has a public address",
    "the workload is addressable from the internet; only its security group stands between it and a scan",
    "release the public address (or the Elastic IP)")
EGRESS_DEAD_END = Check(
    "BH-AWS-EGRESS-DEAD-END", "medium", "internet route leads to a dead end",
    "the route's target (a NAT gateway that is not available or whose subnet has no route to an attached internet "
    "gateway, a detached internet gateway, a deleted endpoint) carries nothing to the internet: the segment's "
    "intended egress is broken, and a later repair of the target silently reopens whatever the route carries",
    "repair the target (the NAT gateway's subnet needs 0.0.0.0/0 to an attached internet gateway) or remove the route")
ENDPOINT_POLICY_OPEN = Check(
    "BH-AWS-ENDPOINT-POLICY-OPEN", "medium", "VPC endpoint policy allows any principal or any resource",
    "without a condition, the endpoint lets credentials of ANY account through, or reaches resources of any "
    "account: a workload (or stolen keys) can copy data to buckets, registries or keys outside the organisation "
    "over the private path, where no firewall sees it",
    "give the endpoint a policy that names the principals and resources it serves, or add a condition such as "
    "aws:PrincipalAccount / aws:ResourceAccount (the stack does)")
SG_ALONE_OPENS = Check(
    "BH-AWS-SG-ALONE-OPENS", "high", "security groups alone allow a path the model does not intend",
    "only the network ACLs stop the path: one NACL change (or a subnet moved to another NACL) opens it, and "
    "the security groups no longer back the NACLs up",
    "remove the security group rules named in the evidence, or declare the flow in the model")
NACL_ALONE_OPENS = Check(
    "BH-AWS-NACL-ALONE-OPENS", "medium", "network ACLs alone allow a path the model does not intend",
    "only the security groups stop the path: one group rule opens it, and the NACLs no longer back the groups up "
    "(reply ports of intended flows are not counted: a stateless layer must open them)",
    "remove the NACL entries named in the evidence, or declare the flow in the model")

CHECKS = (FLOWLOGS_OFF, DEFAULT_SG_RULES, DEFAULT_SG_IN_USE, ENDPOINT_DEFAULT_SG, DEFAULT_NACL, NACL_ALLOW_ALL,
          SG_PUBLIC_INGRESS, IGW_ROUTE_NON_EDGE, ROUTE_LEAVES_VPC, SUBNET_UNMODELLED, SUBNET_AUTO_PUBLIC_IP,
          PUBLIC_IP_NON_EDGE, EGRESS_DEAD_END, ENDPOINT_POLICY_OPEN, SG_ALONE_OPENS, NACL_ALONE_OPENS)
