"""The Kubernetes posture checks (ids are stable: waivers and code scanning refer to them)."""

from __future__ import annotations

from infra.checks import Check

POLICY_NOT_EVALUATED = Check(
    "BH-KUBERNETES-POLICY-NOT-EVALUATED", "high", "a policy kind bulkhead does not evaluate is present",
    "AdminNetworkPolicies, Cilium, Calico and Antrea policies are enforced next to NetworkPolicies and can "
    "open or close paths the proof does not see",
    "remove it from the namespaces of the model, or review it and waive this check for it")
HOST_NETWORK = Check(
    "BH-KUBERNETES-HOST-NETWORK", "high", "a workload of a segment runs in the host network",
    "pods with hostNetwork: true use the node's addresses and are not governed by NetworkPolicies on "
    "most network plugins, so every segmentation rule is bypassed",
    "run the workload in the pod network (hostNetwork: false), or move it out of the segment")
IPBLOCK_COVERS_PODS = Check(
    "BH-KUBERNETES-IPBLOCK-COVERS-PODS", "medium", "an ipBlock covers pod addresses",
    "ipBlocks are meant for addresses outside the cluster; whether one also matches pods depends on the "
    "network plugin (and on NAT), so it may allow pods the selectors do not",
    "add the pod CIDR to the ipBlock's except list (and declare clouds.kubernetes.pod_cidr), or select pods "
    "with podSelector/namespaceSelector")
NOT_ISOLATED = Check(
    "BH-KUBERNETES-NOT-ISOLATED", "high", "a segment's pods are not isolated in a direction",
    "no policy that applies to that direction selects them, so any pod or address may connect (ingress) "
    "or be connected to (egress) on every port",
    "apply a default-deny policy for both directions to the segment's pods (the stack does)")
UNSEGMENTED_WORKLOAD = Check(
    "BH-KUBERNETES-UNSEGMENTED-WORKLOAD", "medium", "a workload in a segment's namespace belongs to no segment",
    "its labels match no segment's selection (relabelled, or deployed by hand), so none of the segment's "
    "policies apply to it and the proof does not cover it",
    "label it as its segment's pods are labelled, or move it to another namespace")
NAMED_PORT_UNRESOLVED = Check(
    "BH-KUBERNETES-NAMED-PORT-UNRESOLVED", "low", "a named port in a policy matches no container port",
    "a named port that no destination pod declares (with that protocol) allows nothing, so an intended "
    "path may be closed without any visible error",
    "name the containers' ports as the policy does, or use the port number")

CHECKS = (POLICY_NOT_EVALUATED, HOST_NETWORK, IPBLOCK_COVERS_PODS, NOT_ISOLATED, UNSEGMENTED_WORKLOAD,
          NAMED_PORT_UNRESOLVED)
