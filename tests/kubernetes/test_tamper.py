"""Drift on the simulated cluster (examples/ai-platform-kubernetes.yaml) is reported exactly.

Each test changes the deployed cluster as an operator or an attacker would, reads it back
through the official client and asserts the exact findings: which kind, between which
endpoints, on which ports, with which evidence. The untouched deployment matches the model
(the first test), so every finding below comes from the change.
"""

from __future__ import annotations

from infra.ports import PortSet
from infra.verify import Finding, Report
from tests.kubernetes.conftest import Live

M = "ai-platform"
ALL = PortSet.single(0, 65535)
EVERY = {"tcp", "udp", "icmp", "sctp"}


def kinds(report: Report) -> set[tuple[str, str | None, str | None, str | None]]:
    return {(f.kind, f.src, f.dst, f.protocol) for f in report.findings}


def one(report: Report, kind: str, src: str | None, dst: str | None = None, protocol: str | None = None) -> Finding:
    [found] = [f for f in report.findings if (f.kind, f.src, f.dst, f.protocol) == (kind, src, dst, protocol)]
    return found


def posture(report: Report) -> set[str | None]:
    return {f.check for f in report.findings if f.kind == "posture"}


def netpol(namespace: str, name: str, spec: dict) -> dict:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def test_the_deployed_cluster_matches_the_model(tamper: Live):
    report = tamper.report()
    assert report.findings == () and report.matches_intent


def test_an_allow_all_ingress_policy_opens_the_segment_to_the_internet_and_to_unmodelled_pods(tamper: Live):
    tamper.put(netpol("model-registry", "allow-all", {"podSelector": {}, "ingress": [{}]}))
    report = tamper.report()
    # Segments' own egress still stops them; what has no egress policy (outside, the DNS pods) gets in.
    assert kinds(report) == ({("unintended-path", "internet", "model-registry", p) for p in EVERY}
                             | {("unintended-path", "service:cluster-dns", "model-registry", p) for p in EVERY})
    leak = one(report, "unintended-path", "internet", "model-registry", "tcp")
    assert leak.ports == ALL  # model-registry takes nothing from outside
    assert "k8s:netpol/model-registry/allow-all#ingress[0]" in leak.evidence


def test_a_namespace_selector_of_everything_lets_unmodelled_pods_in_on_the_flow_port(tamper: Live):
    tamper.edit("NetworkPolicy", "data", f"{M}-serving-to-feature-store-ingress",
                lambda p: p["spec"]["ingress"][0].__setitem__("from", [{"namespaceSelector": {}}]))
    report = tamper.report()
    assert kinds(report) == {("unintended-path", "service:cluster-dns", "feature-store", "tcp")}
    leak = one(report, "unintended-path", "service:cluster-dns", "feature-store", "tcp")
    assert leak.ports == PortSet.single(6379)
    assert f"k8s:netpol/data/{M}-serving-to-feature-store-ingress#ingress[0]" in leak.evidence


def test_a_pod_relabelled_out_of_its_segment_is_reported_as_unsegmented(tamper: Live):
    tamper.edit("Pod", "data", "vector-db-0",
                lambda p: p["metadata"]["labels"].__setitem__("app.kubernetes.io/name", "vector-db-debug"))
    report = tamper.report()
    assert kinds(report) == {("posture", None, None, None)}
    [finding] = report.findings
    assert finding.check == "BH-KUBERNETES-UNSEGMENTED-WORKLOAD"
    assert finding.evidence == ("k8s:workload/data/vector-db-0[Pod]",)


def test_a_named_port_that_no_pod_declares_closes_the_flow_and_says_why(tamper: Live):
    def named(policy: dict) -> None:
        policy["spec"]["ingress"][0]["ports"] = [{"protocol": "TCP", "port": "qdrant"}]

    tamper.edit("NetworkPolicy", "data", f"{M}-serving-to-vector-db-ingress", named)
    report = tamper.report()
    assert kinds(report) == {("missing-path", "serving", "vector-db", "tcp"), ("posture", None, None, None)}
    missing = one(report, "missing-path", "serving", "vector-db", "tcp")
    assert missing.ports == PortSet.single(6333, 6334)
    assert missing.evidence == ("k8s:ingress/data/vector-db-0[Pod]", "k8s:ingress/data/vector-db[notional]")
    assert posture(report) == {"BH-KUBERNETES-NAMED-PORT-UNRESOLVED"}


def test_the_named_port_resolves_again_once_the_pod_declares_it(tamper: Live):
    def named(policy: dict) -> None:
        policy["spec"]["ingress"][0]["ports"] = [{"protocol": "TCP", "port": "qdrant"}]

    def declare(pod: dict) -> None:
        pod["spec"]["containers"][0]["ports"] = [{"name": "qdrant", "containerPort": 6333}]

    tamper.edit("NetworkPolicy", "data", f"{M}-serving-to-vector-db-ingress", named)
    tamper.edit("Pod", "data", "vector-db-0", declare)
    report = tamper.report()
    # The real pod now takes 6333; 6334 stays closed, and the notional pod (no named ports) takes nothing.
    assert kinds(report) == {("missing-path", "serving", "vector-db", "tcp")}
    assert one(report, "missing-path", "serving", "vector-db", "tcp").ports == PortSet.single(6334)


def test_an_egress_ip_block_of_everything_opens_the_internet_and_every_service(tamper: Live):
    tamper.put(netpol("training", "debug-egress", {
        "podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}]}))
    report = tamper.report()
    services = ("container-registry", "key-management", "logging", "ml-api", "object-storage")
    assert kinds(report) == ({("unintended-path", "training", "internet", p) for p in EVERY}
                             | {("unintended-path", "training", f"service:{s}", p) for s in services for p in EVERY}
                             | {("posture", None, None, None)})
    assert one(report, "unintended-path", "training", "internet", "tcp").ports == ALL
    # object-storage is intended on 443: only the rest is a leak
    assert one(report, "unintended-path", "training", "service:object-storage", "tcp").ports == PortSet.of(
        [(0, 442), (444, 65535)])
    assert posture(report) == {"BH-KUBERNETES-IPBLOCK-COVERS-PODS"}


def test_a_missing_default_deny_leaves_a_segment_open_where_no_flow_isolates_it(tamper: Live):
    tamper.delete("NetworkPolicy", "monitoring", f"{M}-monitoring-default-deny")
    report = tamper.report()
    # Monitoring still has egress policies (its flows); nothing selects it for ingress any more.
    assert kinds(report) == ({("unintended-path", "internet", "monitoring", p) for p in EVERY}
                             | {("unintended-path", "service:cluster-dns", "monitoring", p) for p in EVERY}
                             | {("posture", "monitoring", None, None)})
    assert one(report, "unintended-path", "internet", "monitoring", "udp").ports == ALL
    assert posture(report) == {"BH-KUBERNETES-NOT-ISOLATED"}


def test_a_removed_dns_allowance_is_a_missing_path_on_both_protocols(tamper: Live):
    tamper.delete("NetworkPolicy", "serving", f"{M}-serving-to-cluster-dns-egress")
    report = tamper.report()
    assert kinds(report) == {("missing-path", "serving", "service:cluster-dns", "tcp"),
                             ("missing-path", "serving", "service:cluster-dns", "udp")}
    missing = one(report, "missing-path", "serving", "service:cluster-dns", "udp")
    assert missing.ports == PortSet.single(53)
    assert "k8s:egress/serving/serving[notional]" in missing.evidence


def test_a_host_network_pod_escapes_every_policy_of_its_segment(tamper: Live):
    tamper.edit("Pod", "serving", "serving-0", lambda p: p["spec"].__setitem__("hostNetwork", True))
    report = tamper.report()
    assert posture(report) == {"BH-KUBERNETES-HOST-NETWORK"}
    assert one(report, "posture", "serving").evidence == ("k8s:workload/serving/serving-0[Pod]",)
    assert one(report, "unintended-path", "internet", "serving", "tcp").ports == ALL
    outbound = one(report, "unintended-path", "serving", "internet", "tcp")
    assert outbound.ports == PortSet.of([(0, 442), (444, 65535)])
    assert "k8s:host-network/serving/serving-0[Pod]#egress" in outbound.evidence
    # its peers' ingress policies still hold: nothing new into feature-store beyond 6379
    assert not [f for f in report.findings if f.dst == "feature-store"]


def test_a_policy_kind_bulkhead_does_not_evaluate_is_reported_not_ignored(tamper: Live):
    tamper.put({"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
                "metadata": {"name": "l7-allow", "namespace": "serving"},
                "spec": {"endpointSelector": {}, "ingress": [{"fromEntities": ["world"]}]}})
    report = tamper.report()
    assert kinds(report) == {("posture", None, None, None)}
    [finding] = report.findings
    assert finding.check == "BH-KUBERNETES-POLICY-NOT-EVALUATED"
    assert finding.evidence == ("k8s:CiliumNetworkPolicy/serving/l7-allow",)


def test_a_widened_flow_port_is_an_unintended_path_on_exactly_the_extra_port(tamper: Live):
    def widen(policy: dict) -> None:
        policy["spec"]["ingress"][0]["ports"] = [{"protocol": "TCP", "port": 6379, "endPort": 6380}]

    def widen_out(policy: dict) -> None:
        policy["spec"]["egress"][0]["ports"] = [{"protocol": "TCP", "port": 6379, "endPort": 6380}]

    tamper.edit("NetworkPolicy", "data", f"{M}-serving-to-feature-store-ingress", widen)
    tamper.edit("NetworkPolicy", "serving", f"{M}-serving-to-feature-store-egress", widen_out)
    report = tamper.report()
    assert kinds(report) == {("unintended-path", "serving", "feature-store", "tcp")}
    assert one(report, "unintended-path", "serving", "feature-store", "tcp").ports == PortSet.single(6380)


def test_widening_only_the_senders_side_opens_nothing(tamper: Live):
    def widen_out(policy: dict) -> None:
        policy["spec"]["egress"][0]["ports"] = [{"protocol": "TCP", "port": 6379, "endPort": 6380}]

    tamper.edit("NetworkPolicy", "serving", f"{M}-serving-to-feature-store-egress", widen_out)
    assert tamper.report().findings == ()


def test_a_deleted_ingress_policy_of_a_flow_is_a_missing_path_blocked_at_the_receiver(tamper: Live):
    tamper.delete("NetworkPolicy", "serving", f"{M}-edge-to-serving-ingress")
    report = tamper.report()
    assert kinds(report) == {("missing-path", "edge", "serving", "tcp")}
    missing = one(report, "missing-path", "edge", "serving", "tcp")
    assert missing.ports == PortSet.single(8080)
    assert missing.evidence == ("k8s:ingress/serving/serving-0[Pod]", "k8s:ingress/serving/serving[notional]")


def test_intra_segment_traffic_opened_by_hand_is_unintended(tamper: Live):
    tamper.put(netpol("edge", "mesh", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"],
                                       "ingress": [{"from": [{"podSelector": {}}]}],
                                       "egress": [{"to": [{"podSelector": {}}]}]}))
    report = tamper.report()
    assert kinds(report) == {("unintended-path", "edge", "edge", p) for p in EVERY}


def test_an_internet_ingress_block_that_no_longer_excepts_the_pod_cidr_is_a_posture_finding(tamper: Live):
    tamper.edit("NetworkPolicy", "edge", f"{M}-internet-to-edge-ingress",
                lambda p: p["spec"]["ingress"][0]["from"][0]["ipBlock"].pop("except"))
    report = tamper.report()
    assert posture(report) == {"BH-KUBERNETES-IPBLOCK-COVERS-PODS"}
    assert kinds(report) == {("posture", None, None, None)}


def test_another_workload_in_a_namespace_bulkhead_owns_is_held_by_the_segments_policies(tamper: Live):
    tamper.put({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "canary", "namespace": "serving"},
                "spec": {"selector": {"matchLabels": {"app": "canary"}}, "template": {
                    "metadata": {"labels": {"app": "canary"}},
                    "spec": {"containers": [{"name": "c", "image": "i"}]}}}})
    assert tamper.report().findings == ()


def test_with_the_baseline_guardrail_a_missing_default_deny_stays_closed_to_pods(tmp_path):
    from infra.load import parse_model
    from infra.plan import make_plan
    from infra.verify import verify
    from providers.kubernetes.mock.cloud import MockedCloud
    from providers.kubernetes.observe import collect, normalize
    from tests.kubernetes.conftest import EXAMPLE

    text = EXAMPLE.read_text().replace("    cluster: ml-prod", "    cluster: ml-prod\n    baseline_deny: true")
    model = parse_model(text).model
    with MockedCloud() as cloud:
        cloud.deploy(make_plan(model).cloud("kubernetes"))
        assert verify(model, normalize(collect(cloud.source()), model)).findings == ()  # evaluated, not reported
        cloud.cluster.delete("NetworkPolicy", "monitoring", f"{M}-monitoring-default-deny")
        report = verify(model, normalize(collect(cloud.source()), model))
    # The baseline denies pods of every namespace; a v1alpha1 baseline has no ingress rule for
    # addresses outside the cluster, so the internet still gets in.
    assert kinds(report) == {("unintended-path", "internet", "monitoring", p) for p in EVERY}
