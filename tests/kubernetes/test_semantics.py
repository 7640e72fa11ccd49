"""NetworkPolicy v1 semantics, one rule per test pair: the rule, and the case that shows it is not
a default (its negation). Workloads are named `namespace/name[Kind]`; `internet` is every address
outside the cluster. Each case is a handful of hand-written manifests evaluated in audit mode."""

from __future__ import annotations

from infra.ports import PortSet
from tests.kubernetes.manifests import (
    ALL,
    deployment,
    namespace,
    netpol,
    paths,
    pod,
    ports,
    tcp,
)

A, B, C = "app/a[Pod]", "app/b[Pod]", "other/c[Pod]"
BASE = (namespace("app"), namespace("other", team="x"), pod("app", "a", {"role": "a"}),
        pod("app", "b", {"role": "b"}), pod("other", "c", {"role": "c"}))
DENY_ALL = {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
B_PODS = {"matchLabels": {"role": "b"}}


def only_ingress_from(peers: list, ports_: list | None = None, selects: dict | None = None) -> dict:
    rule: dict = {"from": peers}
    if ports_ is not None:
        rule["ports"] = ports_
    return {"podSelector": selects or {"matchLabels": {"role": "b"}}, "policyTypes": ["Ingress"], "ingress": [rule]}


# --- isolation is per direction ------------------------------------------------------------

def test_a_pod_selected_only_for_ingress_still_sends_everywhere():
    found = paths(*BASE, netpol("app", "in", {"podSelector": B_PODS, "policyTypes": ["Ingress"]}))
    assert ports(found, B, A) == ALL and ports(found, B, "internet") == ALL
    assert ports(found, A, B) == PortSet()


def test_a_pod_selected_for_egress_sends_nothing_not_allowed():
    found = paths(*BASE, netpol("app", "out", {"podSelector": B_PODS, "policyTypes": ["Egress"]}))
    assert ports(found, B, A) == PortSet() and ports(found, B, "internet") == PortSet()
    assert ports(found, A, B) == ALL


def test_without_policy_types_a_policy_without_egress_rules_isolates_ingress_only():
    found = paths(*BASE, netpol("app", "p", {"podSelector": {"matchLabels": {"role": "b"}}}))
    assert ports(found, A, B) == PortSet() and ports(found, B, A) == ALL


def test_without_policy_types_a_policy_with_egress_rules_isolates_both_directions():
    spec = {"podSelector": {"matchLabels": {"role": "b"}},
            "egress": [{"to": [{"podSelector": {"matchLabels": {"role": "a"}}}], "ports": [tcp(80)]}]}
    found = paths(*BASE, netpol("app", "p", spec))
    assert ports(found, A, B) == PortSet()
    assert ports(found, B, A) == PortSet.single(80) and ports(found, B, C) == PortSet()


def test_ingress_rules_under_policy_types_egress_do_not_apply():
    spec = {"podSelector": {"matchLabels": {"role": "b"}}, "policyTypes": ["Egress"],
            "ingress": [{"from": [{"podSelector": {}}]}]}
    found = paths(*BASE, netpol("app", "p", spec))
    assert ports(found, C, B) == ALL  # ingress not isolated at all: the ingress rules do not matter
    assert ports(found, B, A) == PortSet()


# --- union, and both ends must agree ---------------------------------------------------------

def test_allowed_traffic_is_the_union_of_every_selecting_policy():
    found = paths(*BASE, netpol("app", "p1", only_ingress_from([{"podSelector": {}}], [tcp(80)])),
                  netpol("app", "p2", only_ingress_from([{"podSelector": {}}], [tcp(443)])))
    assert ports(found, A, B) == PortSet.of([(80, 80), (443, 443)])


def test_a_policy_that_does_not_select_the_pod_adds_nothing_to_it():
    found = paths(*BASE, netpol("app", "p1", only_ingress_from([{"podSelector": {}}], [tcp(80)])),
                  netpol("app", "p2", only_ingress_from([{"podSelector": {}}], [tcp(443)],
                                                        selects={"matchLabels": {"role": "a"}})))
    assert ports(found, A, B) == PortSet.single(80)


def test_a_connection_needs_the_senders_egress_and_the_receivers_ingress():
    egress = netpol("app", "a-out", {"podSelector": {"matchLabels": {"role": "a"}}, "policyTypes": ["Egress"],
                                     "egress": [{"ports": [tcp(80), tcp(443)]}]})
    ingress = netpol("app", "b-in", only_ingress_from([{"podSelector": {"matchLabels": {"role": "a"}}}],
                                                      [tcp(443), tcp(8080)]))
    found = paths(*BASE, egress, ingress)
    assert ports(found, A, B) == PortSet.single(443)


def test_evidence_names_the_policy_rules_on_both_ends():
    from infra.reach import evaluate
    from tests.kubernetes.manifests import audit

    egress = netpol("app", "a-out", {"podSelector": {"matchLabels": {"role": "a"}}, "policyTypes": ["Egress"],
                                     "egress": [{"ports": [tcp(443)]}]})
    ingress = netpol("app", "b-in", only_ingress_from([{"podSelector": {}}], [tcp(443)]))
    [path] = [p for p in evaluate(audit(*BASE, egress, ingress)) if (p.src, p.dst, p.protocol) == (A, B, "tcp")]
    assert path.evidence_for(path.ports) == ("k8s:netpol/app/a-out#egress[0]", "k8s:netpol/app/b-in#ingress[0]")


# --- peers -----------------------------------------------------------------------------------

def test_pod_and_namespace_selectors_in_one_peer_must_both_match():
    peer = {"namespaceSelector": {"matchLabels": {"team": "x"}}, "podSelector": {"matchLabels": {"role": "a"}}}
    objs = (*BASE, pod("other", "a", {"role": "a"}))
    found = paths(*objs, netpol("app", "p", only_ingress_from([peer])))
    assert ports(found, "other/a[Pod]", B) == ALL
    assert ports(found, C, B) == PortSet() and ports(found, A, B) == PortSet()


def test_pod_and_namespace_selectors_in_separate_peers_either_matches():
    peers = [{"namespaceSelector": {"matchLabels": {"team": "x"}}}, {"podSelector": {"matchLabels": {"role": "a"}}}]
    found = paths(*BASE, netpol("app", "p", only_ingress_from(peers)))
    assert ports(found, C, B) == ALL and ports(found, A, B) == ALL


def test_a_pod_selector_alone_means_pods_of_the_policys_namespace():
    objs = (*BASE, pod("other", "a", {"role": "a"}))
    found = paths(*objs, netpol("app", "p", only_ingress_from([{"podSelector": {"matchLabels": {"role": "a"}}}])))
    assert ports(found, A, B) == ALL and ports(found, "other/a[Pod]", B) == PortSet()


def test_a_namespace_selector_alone_means_every_pod_of_the_matching_namespaces():
    found = paths(*BASE, netpol("app", "p", only_ingress_from([{"namespaceSelector": {"matchLabels": {"team": "x"}}}])))
    assert ports(found, C, B) == ALL and ports(found, A, B) == PortSet()


def test_an_empty_namespace_selector_means_every_namespace_but_not_outside_the_cluster():
    found = paths(*BASE, netpol("app", "p", only_ingress_from([{"namespaceSelector": {}}])))
    assert ports(found, C, B) == ALL and ports(found, A, B) == ALL
    assert ports(found, "internet", B) == PortSet()


def test_a_rule_without_from_admits_everyone_including_outside_the_cluster():
    spec = {"podSelector": B_PODS, "policyTypes": ["Ingress"], "ingress": [{"ports": [tcp(80)]}]}
    found = paths(*BASE, netpol("app", "p", spec))
    assert ports(found, C, B) == PortSet.single(80) and ports(found, "internet", B) == PortSet.single(80)


def test_a_policy_type_without_rules_denies_that_direction_entirely():
    found = paths(*BASE, netpol("app", "p", {"podSelector": {"matchLabels": {"role": "b"}}, "policyTypes": ["Ingress"],
                                            "ingress": []}))
    assert ports(found, A, B) == PortSet() and ports(found, "internet", B) == PortSet()


def test_namespaces_are_matched_by_their_name_label_even_when_the_manifest_omits_it():
    peer = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "other"}}}
    found = paths(*BASE, netpol("app", "p", only_ingress_from([peer])))
    assert ports(found, C, B) == ALL and ports(found, A, B) == PortSet()


def test_a_namespace_selector_on_a_label_the_namespace_lacks_matches_nothing():
    peer = {"namespaceSelector": {"matchLabels": {"team": "y"}}}
    found = paths(*BASE, netpol("app", "p", only_ingress_from([peer])))
    assert ports(found, C, B) == PortSet()


# --- match expressions -----------------------------------------------------------------------

def _expr(operator: str, values: list[str] | None = None) -> dict:
    expr: dict = {"key": "tier", "operator": operator}
    if values is not None:
        expr["values"] = values
    return {"podSelector": {"matchExpressions": [expr]}}


EXPR_PODS = (*BASE, pod("app", "front", {"tier": "front"}), pod("app", "back", {"tier": "back"}))
FRONT, BACK = "app/front[Pod]", "app/back[Pod]"


def _admitted(peer: dict) -> set[str]:
    found = paths(*EXPR_PODS, netpol("app", "p", only_ingress_from([peer])))
    return {src for (src, dst, protocol), _ in found.items() if dst == B and protocol == "tcp"}


def test_in_matches_only_the_listed_values():
    assert _admitted(_expr("In", ["front"])) == {FRONT}


def test_not_in_matches_other_values_and_pods_without_the_key():
    assert _admitted(_expr("NotIn", ["front"])) == {BACK, A}  # b itself too, but a lone pod never reaches itself


def test_exists_matches_any_value_of_the_key():
    assert _admitted(_expr("Exists")) == {FRONT, BACK}


def test_does_not_exist_matches_only_pods_without_the_key():
    assert _admitted(_expr("DoesNotExist")) == {A}


def test_match_labels_and_match_expressions_must_all_hold():
    peer = {"podSelector": {"matchLabels": {"tier": "front"}, "matchExpressions": [
        {"key": "role", "operator": "Exists"}]}}
    assert _admitted(peer) == set()
    peer["podSelector"]["matchExpressions"] = [{"key": "role", "operator": "DoesNotExist"}]
    assert _admitted(peer) == {FRONT}


# --- ipBlocks --------------------------------------------------------------------------------

def test_an_ip_block_admits_addresses_outside_the_cluster_and_not_pods_whatever_their_address():
    objs = (*BASE[:3], pod("app", "b", {"role": "b"}), pod("other", "c", {"role": "c"}, ip="10.1.2.3"))
    found = paths(*objs, netpol("app", "p", only_ingress_from([{"ipBlock": {"cidr": "10.0.0.0/8"}}])))
    assert ports(found, "internet", B) == ALL
    assert ports(found, C, B) == PortSet()


def test_an_ip_block_whose_except_removes_everything_admits_nothing():
    block = {"ipBlock": {"cidr": "203.0.113.0/24", "except": ["203.0.113.0/25", "203.0.113.128/25"]}}
    found = paths(*BASE, netpol("app", "p", only_ingress_from([block])))
    assert ports(found, "internet", B) == PortSet()


# --- ports -----------------------------------------------------------------------------------

def test_a_port_without_protocol_is_tcp_only():
    found = paths(*BASE, netpol("app", "p", only_ingress_from([{"podSelector": {}}], [{"port": 53}])))
    assert ports(found, A, B, "tcp") == PortSet.single(53)
    assert ports(found, A, B, "udp") == PortSet() and ports(found, A, B, "sctp") == PortSet()


def test_udp_and_sctp_ports_open_only_their_protocol():
    found = paths(*BASE, netpol("app", "p", only_ingress_from([{"podSelector": {}}],
                                                              [tcp(53, protocol="UDP"), tcp(9000, protocol="SCTP")])))
    assert ports(found, A, B, "udp") == PortSet.single(53) and ports(found, A, B, "sctp") == PortSet.single(9000)
    assert ports(found, A, B, "tcp") == PortSet()


def test_end_port_makes_a_range_and_a_protocol_without_port_means_all_of_its_ports():
    found = paths(*BASE, netpol("app", "p", only_ingress_from([{"podSelector": {}}],
                                                              [tcp(8000, 8100), {"protocol": "UDP"}])))
    assert ports(found, A, B, "tcp") == PortSet.single(8000, 8100)
    assert ports(found, A, B, "udp") == ALL


def test_a_rule_without_ports_opens_every_port_of_every_protocol_icmp_included():
    found = paths(*BASE, netpol("app", "p", only_ingress_from([{"podSelector": {}}])))
    for protocol in ("tcp", "udp", "sctp"):
        assert ports(found, A, B, protocol) == ALL
    assert ports(found, A, B, "icmp") == PortSet.full("icmp")


def test_a_named_port_resolves_per_destination_workload():
    objs = (*BASE[:2], pod("app", "a", {"role": "a"}),
            pod("app", "b", {"role": "b"}, ports=[{"name": "http", "containerPort": 8080}]),
            pod("app", "b2", {"role": "b"}, ports=[{"name": "http", "containerPort": 9090}]))
    egress = netpol("app", "p", {"podSelector": {"matchLabels": {"role": "a"}}, "policyTypes": ["Egress"],
                                 "egress": [{"ports": [tcp("http")]}]})
    found = paths(*objs, egress)
    assert ports(found, A, B) == PortSet.single(8080) and ports(found, A, "app/b2[Pod]") == PortSet.single(9090)
    assert ports(found, A, "internet") == PortSet()  # an address has no named ports


def test_a_named_port_with_another_protocol_or_an_unknown_name_allows_nothing():
    objs = (*BASE[:2], pod("app", "a", {"role": "a"}),
            pod("app", "b", {"role": "b"}, ports=[{"name": "dns", "containerPort": 53, "protocol": "UDP"}]))
    found = paths(*objs, netpol("app", "p", only_ingress_from([{"podSelector": {}}], [tcp("dns"), tcp("web")])))
    assert ports(found, A, B, "tcp") == PortSet() and ports(found, A, B, "udp") == PortSet()
    found = paths(*objs, netpol("app", "p", only_ingress_from([{"podSelector": {}}], [tcp("dns", protocol="UDP")])))
    assert ports(found, A, B, "udp") == PortSet.single(53)


# --- host network and workloads ----------------------------------------------------------------

def test_a_host_network_pod_is_not_governed_by_policies():
    objs = (*BASE[:2], pod("app", "a", {"role": "a"}), pod("app", "b", {"role": "b"}, host_network=True))
    found = paths(*objs, netpol("app", "deny", DENY_ALL))
    assert ports(found, A, B) == PortSet()  # a's egress is denied
    assert ports(found, B, "internet") == ALL and ports(found, "internet", B) == ALL


def test_the_same_pod_in_the_pod_network_is_governed():
    found = paths(*BASE, netpol("app", "deny", DENY_ALL))
    assert ports(found, B, "internet") == PortSet() and ports(found, "internet", B) == PortSet()


def test_a_pod_with_a_controlling_owner_is_named_after_it_and_a_template_after_itself():
    objs = (namespace("app"), pod("app", "web-7f9-x1", {"app": "web"}, owner=("ReplicaSet", "web-7f9")),
            pod("app", "web-7f9-x2", {"app": "web"}, owner=("ReplicaSet", "web-7f9")),
            deployment("app", "db", {"app": "db"}), pod("app", "solo", {"app": "solo"}))
    endpoints = {src for (src, _, _) in paths(*objs)}
    assert endpoints == {"app/web-7f9[ReplicaSet]", "app/db[Deployment]", "app/solo[Pod]", "internet"}


def test_replicas_of_one_workload_reach_each_other_but_a_bare_pod_does_not_reach_itself():
    objs = (namespace("app"), deployment("app", "db", {"app": "db"}), pod("app", "solo", {"app": "solo"}))
    found = paths(*objs)
    assert ports(found, "app/db[Deployment]", "app/db[Deployment]") == ALL
    assert ports(found, "app/solo[Pod]", "app/solo[Pod]") == PortSet()


# --- BaselineAdminNetworkPolicy: the lowest tier ---------------------------------------------

def banp(subject: dict, ingress: list | None = None, egress: list | None = None) -> dict:
    spec: dict = {"subject": subject}
    if ingress is not None:
        spec["ingress"] = ingress
    if egress is not None:
        spec["egress"] = egress
    return {"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": "BaselineAdminNetworkPolicy",
            "metadata": {"name": "default"}, "spec": spec}


APP_NS = {"namespaces": {"matchLabels": {"kubernetes.io/metadata.name": "app"}}}
FROM_OTHER = [{"namespaces": {"matchLabels": {"team": "x"}}}]


def test_a_baseline_deny_closes_what_no_network_policy_isolates():
    found = paths(*BASE, banp(APP_NS, ingress=[{"name": "d", "action": "Deny", "from": FROM_OTHER}]))
    assert ports(found, C, B) == PortSet() and ports(found, A, B) == ALL  # a is not in namespace other


def test_a_pod_isolated_by_a_network_policy_is_decided_by_it_not_by_the_baseline():
    allow = netpol("app", "p", only_ingress_from([{"namespaceSelector": {}}], [tcp(80)]))
    found = paths(*BASE, allow, banp(APP_NS, ingress=[{"name": "d", "action": "Deny", "from": FROM_OTHER},
                                                      {"name": "a", "action": "Allow", "from": FROM_OTHER}]))
    assert ports(found, C, B) == PortSet.single(80)  # the NetworkPolicy's allow; its implicit deny for the rest


def test_baseline_rules_are_first_match_in_order():
    deny_80 = {"name": "d", "action": "Deny", "from": FROM_OTHER, "ports": [{"portNumber": {"protocol": "TCP",
                                                                                           "port": 80}}]}
    allow_80 = {**deny_80, "name": "a", "action": "Allow"}
    deny_all = {"name": "rest", "action": "Deny", "from": FROM_OTHER}
    assert ports(paths(*BASE, banp(APP_NS, ingress=[allow_80, deny_all])), C, B) == PortSet.single(80)
    assert ports(paths(*BASE, banp(APP_NS, ingress=[deny_80, allow_80])), C, B) == PortSet.of([(0, 79), (81, 65535)])


def test_a_pod_outside_the_baseline_subject_is_not_affected():
    subject = {"pods": {"namespaceSelector": {}, "podSelector": {"matchLabels": {"role": "a"}}}}
    found = paths(*BASE, banp(subject, ingress=[{"name": "d", "action": "Deny", "from": FROM_OTHER}]))
    assert ports(found, C, B) == ALL and ports(found, C, A) == PortSet()


def test_a_baseline_network_deny_closes_the_internet_only_when_it_covers_all_of_it():
    whole = {"name": "d", "action": "Deny", "to": [{"networks": ["0.0.0.0/0", "::/0"]}]}
    part = {"name": "d", "action": "Deny", "to": [{"networks": ["0.0.0.0/1"]}]}
    assert ports(paths(*BASE, banp(APP_NS, egress=[whole])), B, "internet") == PortSet()
    assert ports(paths(*BASE, banp(APP_NS, egress=[part])), B, "internet") == ALL
