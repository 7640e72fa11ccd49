"""What the GCP build leaves in the project, read back through google-cloud-compute.

Expectations come from the YAML model and the GCP build issue, spelled out here (slot
addresses, the role per service, the restricted VIP), never from providers/gcp/build/plan.py.
"""

from __future__ import annotations

import re
from ipaddress import IPv4Network

import pytest

from infra.model import Model
from infra.ports import PortSet, parse_port_specs
from tests.gcp.conftest import Deployed, deploy, gcp_models

STEMS = sorted(gcp_models())
VIP = "199.36.153.4/30"
LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
ROLES = {"object-storage": "roles/storage.objectUser", "container-registry": "roles/artifactregistry.reader",
         "key-management": "roles/cloudkms.cryptoKeyEncrypterDecrypter", "logging": "roles/logging.logWriter",
         "ml-api": "roles/aiplatform.user"}


def placed(model: Model) -> list[str]:
    return [s for s in model.segments if "gcp" in model.placement(s)]


def slot_block(model: Model, segment: str) -> str:
    cidr = model.clouds.gcp.cidr  # type: ignore[union-attr]
    slot = model.segments[segment].slot
    assert slot is not None, "test models pin every slot so addresses can be computed here"
    return str(IPv4Network((int(cidr.network_address) + slot * 256, 24)))


def allowed_ports(rules: list[dict]) -> dict[str, PortSet]:
    """Union of the `allowed` entries of some rules, per protocol (no ports = all of them)."""
    out: dict[str, PortSet] = {}
    for rule in rules:
        for entry in rule.get("allowed", []):
            proto = entry["IPProtocol"]
            ports = PortSet.of((int(p.split("-")[0]), int(p.split("-")[-1])) for p in entry.get("ports", []))
            full = PortSet.single(0, 255) if proto == "icmp" else PortSet.single(0, 65535)
            out[proto] = out.get(proto, PortSet()) | (ports or full)
    return out


def intended(specs) -> dict[str, PortSet]:
    return {k: (PortSet.single(0, 255) if k == "icmp" else v) for k, v in parse_port_specs(specs).items()}


def flow_ports(model: Model, src: str, dst: str) -> dict[str, PortSet]:
    specs = [p for f in model.flows if f.from_ == src and dst in f.targets() for p in f.ports]
    return intended(specs)


def flow_pairs(model: Model) -> set[tuple[str, str]]:
    here = set(placed(model))
    return {(f.from_, t) for f in model.flows for t in f.targets() if f.from_ in here and t in here}


@pytest.fixture(scope="module", params=STEMS)
def built(request, deployed: dict[str, Deployed]) -> Deployed:
    return deployed[request.param]


def test_every_model_gets_one_custom_mode_regional_network(built: Deployed) -> None:
    nets = built.items("networks")
    assert len(nets) == 1
    assert nets[0]["autoCreateSubnetworks"] is False
    assert nets[0]["routingConfig"]["routingMode"] == "REGIONAL"


def test_each_segment_has_its_slot_subnet_with_flow_logs(built: Deployed) -> None:
    subnets = {s["ipCidrRange"]: s for s in built.items("subnetworks-*")}
    assert sorted(subnets) == sorted(slot_block(built.model, s) for s in placed(built.model))
    assert all(s["logConfig"]["enable"] for s in subnets.values())


def test_private_google_access_is_on_exactly_for_segments_with_services(built: Deployed) -> None:
    by_block = {s["ipCidrRange"]: s.get("privateIpGoogleAccess", False) for s in built.items("subnetworks-*")}
    for segment in placed(built.model):
        assert by_block[slot_block(built.model, segment)] == bool(built.model.segments[segment].services), segment


def test_every_flow_is_an_ingress_allow_between_the_two_service_accounts_with_its_ports(built: Deployed) -> None:
    accounts, rules = built.accounts(), built.items("firewalls")
    for src, dst in flow_pairs(built.model):
        matching = [r for r in rules if r["direction"] == "INGRESS" and r.get("allowed")
                    and r["targetServiceAccounts"] == [accounts[dst]]
                    and r["sourceServiceAccounts"] == [accounts[src]] and not r["sourceRanges"]]
        assert allowed_ports(matching) == flow_ports(built.model, src, dst), (src, dst)


def test_every_flow_is_an_egress_allow_from_the_source_toward_the_destination_subnet(built: Deployed) -> None:
    accounts, rules = built.accounts(), built.items("firewalls")
    for src, dst in flow_pairs(built.model):
        matching = [r for r in rules if r["direction"] == "EGRESS" and r.get("allowed")
                    and r["targetServiceAccounts"] == [accounts[src]]
                    and r["destinationRanges"] == [slot_block(built.model, dst)]]
        assert allowed_ports(matching) == flow_ports(built.model, src, dst), (src, dst)


def test_deny_all_rules_close_both_directions_for_every_instance(built: Deployed) -> None:
    for direction, side in (("INGRESS", "sourceRanges"), ("EGRESS", "destinationRanges")):
        denies = [r for r in built.items("firewalls") if r["direction"] == direction and r.get("denied")
                  and not r["targetServiceAccounts"] and not r["targetTags"]]
        assert len(denies) == 1, direction
        assert denies[0][side] == ["0.0.0.0/0"] and denies[0]["denied"] == [{"IPProtocol": "all", "ports": []}]
        assert denies[0]["priority"] == 65000


def test_internet_ingress_is_open_only_on_declared_segments_and_ports(built: Deployed) -> None:
    accounts = {v: k for k, v in built.accounts().items()}
    opened: dict[str, list[dict]] = {}
    for r in built.items("firewalls"):
        if r["direction"] == "INGRESS" and r.get("allowed") and "0.0.0.0/0" in r["sourceRanges"]:
            opened.setdefault(accounts[r["targetServiceAccounts"][0]], []).append(r)
    expected = {s: intended(built.model.segments[s].internet.ingress) for s in placed(built.model)
                if built.model.segments[s].internet.ingress}
    assert {s: allowed_ports(rs) for s, rs in opened.items()} == expected


def test_internet_egress_is_open_only_on_declared_segments_and_ports(built: Deployed) -> None:
    accounts = {v: k for k, v in built.accounts().items()}
    opened: dict[str, list[dict]] = {}
    for r in built.items("firewalls"):
        if r["direction"] == "EGRESS" and r.get("allowed") and "0.0.0.0/0" in r["destinationRanges"]:
            opened.setdefault(accounts[r["targetServiceAccounts"][0]], []).append(r)
    expected = {s: intended(built.model.segments[s].internet.egress) for s in placed(built.model)
                if built.model.segments[s].internet.egress}
    assert {s: allowed_ports(rs) for s, rs in opened.items()} == expected


PRIVATE = [IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")]


def test_every_internet_allow_is_preceded_by_a_deny_of_every_private_range(built: Deployed) -> None:
    """The model's internet is public space: a peered network, a VPN or an interconnect brings
    private ranges that a 0.0.0.0/0 allow would otherwise open to."""
    rules = built.items("firewalls")
    for allow in (r for r in rules if r.get("allowed") and "0.0.0.0/0" in (r.get("sourceRanges", []) +
                                                                         r.get("destinationRanges", []))):
        side = "sourceRanges" if allow["direction"] == "INGRESS" else "destinationRanges"
        target = allow["targetServiceAccounts"]
        denies = [r for r in rules if r.get("denied") and r["direction"] == allow["direction"]
                  and r["priority"] < allow["priority"] and r.get("targetServiceAccounts") == target]
        covered = {IPv4Network(c) for d in denies for c in d.get(side, [])}
        assert all(any(p.subnet_of(c) for c in covered) for p in PRIVATE), (allow["name"], covered)


def test_cloud_nat_serves_exactly_the_subnets_of_segments_with_internet_egress(built: Deployed) -> None:
    served = {sub["name"].rsplit("/", 1)[-1] for router in built.items("routers-*")
              for nat in router.get("nats", []) for sub in nat.get("subnetworks", [])}
    names = {s["ipCidrRange"]: s["name"] for s in built.items("subnetworks-*")}
    assert served == {names[slot_block(built.model, s)] for s in placed(built.model)
                      if built.model.segments[s].internet.egress}


def test_google_apis_go_through_the_restricted_vip_only_for_segments_with_services(built: Deployed) -> None:
    users = {s for s in placed(built.model) if built.model.segments[s].services}
    routes = [r for r in built.items("routes") if r["destRange"] == VIP]
    assert len(routes) == (1 if users else 0)
    assert all(r["nextHopGateway"].endswith("/global/gateways/default-internet-gateway") for r in routes)
    accounts = {v: k for k, v in built.accounts().items()}
    to_vip = [r for r in built.items("firewalls")
              if r["direction"] == "EGRESS" and r.get("allowed") and VIP in r["destinationRanges"]]
    assert {accounts[r["targetServiceAccounts"][0]] for r in to_vip} == users
    assert all(allowed_ports([r]) == {"tcp": PortSet.single(443)} for r in to_vip)


def test_private_dns_points_every_google_api_at_the_restricted_vip(built: Deployed) -> None:
    if not any(built.model.segments[s].services for s in placed(built.model)):
        assert "recordSets" not in built.side
        return
    records = {(r["type"], r["name"]): r["rrdatas"] for r in built.side["recordSets"].values()}
    assert records[("CNAME", "*.googleapis.com.")] == ["restricted.googleapis.com."]
    assert records[("A", "restricted.googleapis.com.")] == [f"199.36.153.{i}" for i in range(4, 8)]


def test_each_segment_identity_holds_exactly_the_roles_of_its_services(deployed: dict[str, Deployed]) -> None:
    for built in deployed.values():
        policy = next(doc for name, doc in built.snapshot.items() if name.endswith("iam-policy.json"))
        held: dict[str, set[str]] = {}
        for binding in policy["bindings"]:
            for member in binding["members"]:
                held.setdefault(member, set()).add(binding["role"])
        for segment, email in built.accounts().items():
            want = {ROLES[s] for s in built.model.segments[segment].services}
            assert held.get(f"serviceAccount:{email}", set()) == want, (built.model.name, segment)


def test_every_name_is_a_valid_gcp_name(built: Deployed) -> None:
    for kind in ("networks", "subnetworks-*", "firewalls", "routes", "routers-*"):
        for item in built.items(kind):
            assert LABEL.match(item["name"]) and len(item["name"]) <= 63, item["name"]
    for email in built.accounts().values():
        account = email.split("@")[0]
        assert LABEL.match(account) and 6 <= len(account) <= 30, account


def test_every_firewall_rule_logs(built: Deployed) -> None:
    assert all(r["logConfig"]["enable"] for r in built.items("firewalls"))


def test_long_names_are_shortened_and_colliding_names_kept_apart(deployed: dict[str, Deployed]) -> None:
    built = deployed["gcp-long-names"]
    names = [r["name"] for r in built.items("firewalls")]
    assert len(names) == len(set(names))
    # a -> to-b and a-to -> b both need rules; each pair keeps its own ingress rule
    accounts = built.accounts()
    for src, dst in (("a", "to-b"), ("a-to", "b")):
        assert [r for r in built.items("firewalls") if r["targetServiceAccounts"] == [accounts[dst]]
                and r["sourceServiceAccounts"] == [accounts[src]]]


def test_reordering_segments_and_flows_keeps_every_name(deployed: dict[str, Deployed]) -> None:
    original = deployed["gcp-mesh"]
    data = original.model.model_dump(by_alias=True, exclude_none=True, mode="json")
    data["segments"] = dict(reversed(list(data["segments"].items())))
    data["flows"] = list(reversed(data["flows"]))
    again = deploy(Model.model_validate(data))

    def shape(d: Deployed) -> dict[str, object]:
        return {kind: sorted((i["name"], str(i.get("allowed")), str(i.get("destinationRanges")))
                             for i in d.items(kind)) for kind in ("firewalls", "subnetworks-*", "routes")}

    assert shape(again) == shape(original)
    assert sorted(again.side["serviceAccounts"]) == sorted(original.side["serviceAccounts"])
