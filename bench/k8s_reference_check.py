"""Compare bulkhead's NetworkPolicy semantics with another analyzer's published expected outputs.

The reference is np-guard/netpol-analyzer (https://github.com/np-guard/netpol-analyzer): its
`tests/<case>/` folders hold manifests and its `test_outputs/connlist/<case>_connlist_output.txt`
files the connectivity its maintainers expect, one line per pair:

    default/frontend[Deployment] => default/cartservice[Deployment] : TCP 7070
    0.0.0.0-255.255.255.255[External] => default/redis-cart[Deployment] : All Connections

For every case with such a file, this script reads the folder with bulkhead's manifest reader,
normalizes it without a model (audit mode: every workload is an endpoint, the internet is
every address outside the cluster), evaluates it, and compares pair by pair and protocol by
protocol (TCP, UDP, SCTP; ports 1-65535, their universe). Their external address ranges are
folded into bulkhead's one `internet` endpoint (the union of their lines), and self-pairs
(replicas of one workload) are left out, as they leave them out; so are their lines for the
ingress controller they infer from Ingress and Route objects (bulkhead does not model those). bulkhead takes pods with
`hostNetwork: true` as not governed by NetworkPolicies (most plugins); netpol-analyzer treats
them like any pod, so every case is compared twice: as bulkhead decides, and with hostNetwork
cleared (the reference's view), which isolates that one deliberate difference. Cases that rely on what
bulkhead does not evaluate (AdminNetworkPolicy / BaselineAdminNetworkPolicy, user-defined and
secondary networks, virtual machines) are listed as skipped.

Usage: python bench/k8s_reference_check.py PATH_TO_NETPOL_ANALYZER_CHECKOUT [--verbose]
Nothing of the reference is copied into this repository; the checkout is read in place.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path

from infra.errors import BulkheadError
from infra.ports import PortSet
from infra.reach import INTERNET, evaluate
from providers.kubernetes.observe import normalize, read_snapshot

Key = tuple[str, str, str]
UNIVERSE = PortSet.single(1, 65535)
EXTERNAL = re.compile(r"^[0-9a-f.:]+-[0-9a-f.:]+\[External\]$|^[0-9a-f.:/]+\[External\]$")
# Markers of what bulkhead does not evaluate, in the expected output or the manifests.
UNSUPPORTED_OUTPUT = ("[UDN]", "[CUDN]", "[NAD]", "[VirtualMachine]", "Network:",
                      "Permitted connectivity", "WorkloadNtoN", "not allowed for the workloads")
UNSUPPORTED_KINDS = ("AdminNetworkPolicy", "UserDefinedNetwork",
                     "ClusterUserDefinedNetwork", "NetworkAttachmentDefinition", "VirtualMachine")
INGRESS_CONTROLLER = "{ingress-controller}"  # their model of Ingress/Route objects; bulkhead has none


def expected(text: str) -> dict[Key, PortSet] | None:
    """Their lines as (src, dst, protocol) -> ports; None if the output uses what bulkhead skips."""
    if any(marker in text for marker in UNSUPPORTED_OUTPUT):
        return None
    out: dict[Key, PortSet] = {}
    for line in text.splitlines():
        if " => " not in line or INGRESS_CONTROLLER in line:
            continue
        pair, _, conns = line.partition(" : ")
        src, dst = (_endpoint(e.strip()) for e in pair.split(" => "))
        if src == dst:
            continue
        for protocol, ports in _connections(conns.strip()):
            key = (src, dst, protocol)
            out[key] = out.get(key, PortSet()) | ports
    return out


def _endpoint(text: str) -> str:
    return INTERNET if EXTERNAL.match(text) else text


def _connections(text: str) -> Iterable[tuple[str, PortSet]]:
    if text == "All Connections":
        return [(p, UNIVERSE) for p in ("tcp", "udp", "sctp")]
    found: dict[str, PortSet] = {}
    protocol = ""
    for token in text.split(","):
        token = token.strip()
        if " " in token:
            protocol, token = token.split(" ", 1)
            protocol = protocol.lower()
        lo, _, hi = token.partition("-")
        found[protocol] = found.get(protocol, PortSet()) | PortSet.single(int(lo), int(hi or lo))
    return found.items()


def observed(folder: Path, host_network: bool = True) -> dict[Key, PortSet]:
    snapshot = read_snapshot(folder)
    if not host_network:
        _clear_host_network(snapshot)
    network = normalize(snapshot, None)
    out: dict[Key, PortSet] = {}
    for path in evaluate(network):
        if path.protocol == "icmp" or path.src == path.dst:
            continue  # they model no ICMP, and no replica-to-replica pairs
        ports = path.ports & UNIVERSE
        if ports:
            out[(path.src, path.dst, path.protocol)] = ports
    return out


def _clear_host_network(node: object) -> None:
    """Every `hostNetwork: true` in the snapshot set to false (pods and pod templates)."""
    if isinstance(node, dict):
        if node.get("hostNetwork") is True:
            node["hostNetwork"] = False
        for value in node.values():
            _clear_host_network(value)
    elif isinstance(node, list):
        for value in node:
            _clear_host_network(value)


def uses_unsupported(folder: Path) -> bool:
    for path in folder.rglob("*"):
        if path.suffix.lower() in (".yaml", ".yml", ".json") and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            if any(re.search(rf"kind:\s*\"?{kind}\"?\s*$|\"kind\":\s*\"{kind}\"", text, re.M) for kind in
                   UNSUPPORTED_KINDS):
                return True
    return False


def compare(checkout: Path, verbose: bool) -> int:
    outputs = sorted((checkout / "test_outputs" / "connlist").glob("*_connlist_output.txt"))
    agreed, differed, skipped, refused, differ_as_pods = [], [], [], [], []
    for output in outputs:
        case = output.name.removesuffix("_connlist_output.txt")
        folder = checkout / "tests" / case
        if not folder.is_dir():
            continue
        want = expected(output.read_text(encoding="utf-8"))
        if want is None or uses_unsupported(folder):
            skipped.append(case)
            continue
        try:
            got, as_pods = observed(folder), observed(folder, host_network=False)
        except BulkheadError as exc:
            refused.append((case, str(exc).splitlines()[0]))
            continue
        diff = _difference(want, got)
        (differed if diff else agreed).append((case, diff))
        if _difference(want, as_pods):
            differ_as_pods.append((case, _difference(want, as_pods)))
    print(f"reference: {checkout}")
    print(f"cases with an expected connlist: {len(agreed) + len(differed) + len(skipped) + len(refused)}")
    print(f"  compared: {len(agreed) + len(differed)}  identical: {len(agreed)}  different: {len(differed)}")
    print(f"  different with hostNetwork pods governed by policies (the reference's view): {len(differ_as_pods)}")
    print(f"  skipped (AdminNetworkPolicy, UDN, NAD, VMs): {len(skipped)}")
    print(f"  refused by bulkhead's reader: {len(refused)}")
    for case, reason in refused:
        print(f"    {case}: {reason}")
    for title, cases in (("DIFFERENT", differed), ("DIFFERENT even with hostNetwork governed", differ_as_pods)):
        for case, diff in cases:
            print(f"  {title} {case}: {len(diff)} pair(s)")
            for line in diff[: (None if verbose else 5)]:
                print(f"    {line}")
    return 0


def _difference(want: dict[Key, PortSet], got: dict[Key, PortSet]) -> list[str]:
    out = []
    for key in sorted(set(want) | set(got)):
        a, b = want.get(key, PortSet()), got.get(key, PortSet())
        if a != b:
            src, dst, protocol = key
            out.append(f"{src} -> {dst} {protocol}: expected {a or '-'}, bulkhead {b or '-'}")
    return out


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(compare(Path(sys.argv[1]), "--verbose" in sys.argv))
