"""Shape checks of the objects bulkhead evaluates: what the API server would refuse is refused here.

A malformed object must never be taken for cluster state (a `podSelector` that is a string, a
port of 70000, an `endPort` on a named port, an ipBlock `except` outside its `cidr` ...). Each
check returns problems as (path inside the object, what is wrong, how to fix it); the manifest
reader turns them into `file:line:col` lines, the normalizer into errors naming the object.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import ip_address, ip_network
from typing import Any

from providers.kubernetes.observe.objects import BASELINE, NETWORK_POLICY_GROUPS, TEMPLATES, Obj, template_of
from providers.kubernetes.observe.selectors import OPERATORS

Path = tuple[str | int, ...]
PROTOCOLS = ("TCP", "UDP", "SCTP")
PORT_NAME = re.compile(r"^(?=.*[a-z])[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$")  # IANA_SVC_NAME


@dataclass(frozen=True)
class ShapeProblem:
    path: Path
    message: str
    fix: str


def problems(obj: Obj) -> list[ShapeProblem]:
    """Everything wrong with one object of a kind bulkhead evaluates ([] for the others)."""
    if obj.kind in TEMPLATES:
        return list(_controller(obj))
    if (obj.group, obj.kind) == BASELINE:
        return list(_baseline(obj.body))
    checks = {"NetworkPolicy": _policy, "Pod": _pod, "Namespace": _metadata, "Service": _service}
    check = checks.get(obj.kind)
    if check is None or (obj.kind == "NetworkPolicy" and obj.group not in NETWORK_POLICY_GROUPS):
        return []
    return list(check(obj.body))


def _metadata(body: dict[str, Any], path: Path = ()) -> Iterator[ShapeProblem]:
    meta = body.get("metadata")
    if not isinstance(meta, dict):
        yield ShapeProblem(path + ("metadata",), "metadata is missing or not a mapping",
                           "give the object metadata.name")
        return
    if not isinstance(meta.get("name"), str) or not meta["name"]:
        yield ShapeProblem(path + ("metadata",), "metadata.name is missing", "name the object")
    if "namespace" in meta and not isinstance(meta["namespace"], str):
        yield ShapeProblem(path + ("metadata", "namespace"), "namespace is not text", "write the namespace's name")
    owners = meta.get("ownerReferences") or []
    for i, ref in enumerate(owners if isinstance(owners, list) else [None]):
        if not (isinstance(ref, dict) and isinstance(ref.get("kind"), str) and isinstance(ref.get("name"), str)):
            yield ShapeProblem(path + ("metadata", "ownerReferences", i), "an owner reference needs kind and name",
                               "give kind and name (the API requires them), or remove the reference")
    yield from _labels(meta.get("labels"), path + ("metadata", "labels"))


def _labels(labels: Any, path: Path) -> Iterator[ShapeProblem]:
    if labels is None:
        return
    if not isinstance(labels, dict):
        yield ShapeProblem(path, "labels are not a mapping", "write key: value lines")
        return
    for key, value in labels.items():
        if not isinstance(value, str):
            yield ShapeProblem(path + (str(key),), f"label {key} is {value!r}, not text",
                               "quote the value (Kubernetes label values are strings)")


def _selector(raw: Any, path: Path) -> Iterator[ShapeProblem]:
    if not isinstance(raw, dict):
        yield ShapeProblem(path, "a label selector must be a mapping", "write {} for all, or matchLabels: {...}")
        return
    for key in raw:
        if key not in ("matchLabels", "matchExpressions"):
            yield ShapeProblem(path + (key,), f"unknown selector key '{key}'", "use matchLabels or matchExpressions")
    yield from _labels(raw.get("matchLabels"), path + ("matchLabels",))
    expressions = raw.get("matchExpressions") or []
    if not isinstance(expressions, list):
        yield ShapeProblem(path + ("matchExpressions",), "matchExpressions is not a list",
                           "write a list of {key, operator, values}")
        return
    for i, expr in enumerate(expressions):
        yield from _expression(expr, path + ("matchExpressions", i))


def _expression(expr: Any, path: Path) -> Iterator[ShapeProblem]:
    if not isinstance(expr, dict) or not isinstance(expr.get("key"), str):
        yield ShapeProblem(path, "an expression needs a key", "write {key: k, operator: In, values: [v]}")
        return
    operator, values = expr.get("operator"), expr.get("values") or []
    if operator not in OPERATORS:
        yield ShapeProblem(path + ("operator",), f"unknown operator {operator!r}", f"use one of {', '.join(OPERATORS)}")
    elif not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        yield ShapeProblem(path + ("values",), "values must be a list of text", "quote each value")
    elif operator in ("In", "NotIn") and not values:
        yield ShapeProblem(path, f"{operator} needs at least one value", "list the values, or use Exists")
    elif operator in ("Exists", "DoesNotExist") and values:
        yield ShapeProblem(path + ("values",), f"{operator} takes no values", "remove values")


def _policy(body: dict[str, Any]) -> Iterator[ShapeProblem]:
    yield from _metadata(body)
    spec = body.get("spec")
    if not isinstance(spec, dict):
        yield ShapeProblem(("spec",), "a NetworkPolicy needs a spec", "add spec: {podSelector: {}}")
        return
    if "podSelector" not in spec or spec["podSelector"] is None:
        yield ShapeProblem(("spec",), "spec.podSelector is missing", "write podSelector: {} to select every pod")
    else:
        yield from _selector(spec["podSelector"], ("spec", "podSelector"))
    types = spec.get("policyTypes")
    if types is not None and (not isinstance(types, list) or any(t not in ("Ingress", "Egress") for t in types)):
        yield ShapeProblem(("spec", "policyTypes"), f"policyTypes {types!r} is not a list of Ingress/Egress",
                           "write policyTypes: [Ingress, Egress] (or one of them)")
    for direction, side in (("ingress", "from"), ("egress", "to")):
        rules = spec.get(direction)
        if rules is None:
            continue
        if not isinstance(rules, list):
            yield ShapeProblem(("spec", direction), f"{direction} is not a list of rules",
                               f"write {direction}: [{{...}}]")
            continue
        for i, rule in enumerate(rules):
            yield from _rule(rule, side, ("spec", direction, i))


def _rule(rule: Any, side: str, path: Path) -> Iterator[ShapeProblem]:
    if rule is None:
        return  # `- {}` and a bare `-` both mean: every peer, every port
    if not isinstance(rule, dict):
        yield ShapeProblem(path, "a rule must be a mapping", f"write {{{side}: [...], ports: [...]}}")
        return
    for key in rule:
        if key not in (side, "ports"):
            yield ShapeProblem(path + (key,), f"unknown key '{key}' in a rule", f"use {side} and ports")
    for key, check in ((side, _peer), ("ports", _port)):
        entries = rule.get(key)
        if entries is None:
            continue
        if not isinstance(entries, list):
            yield ShapeProblem(path + (key,), f"{key} is not a list", f"write {key}: [...]")
            continue
        for i, entry in enumerate(entries):
            yield from check(entry, path + (key, i))


PEER_KEYS = ("podSelector", "namespaceSelector", "ipBlock")


def _peer(peer: Any, path: Path) -> Iterator[ShapeProblem]:
    written = list(peer) if isinstance(peer, dict) else []
    unknown = [key for key in written if key not in PEER_KEYS]
    for key in unknown:  # named, as in a rule: "a peer needs podSelector" would hide the key that is wrong
        yield ShapeProblem(path + (key,), f"unknown key '{key}' in a peer", f"use {', '.join(PEER_KEYS)}")
    keys = set(written) - set(unknown)
    if not keys:
        if not unknown:
            yield ShapeProblem(path, "a peer needs podSelector and/or namespaceSelector, or ipBlock",
                               "write {podSelector: {...}}, {namespaceSelector: {...}} or {ipBlock: {cidr: ...}}")
        return
    if "ipBlock" in keys:
        if len(keys) > 1:
            yield ShapeProblem(path, "ipBlock cannot be combined with selectors in one peer", "split it into two peers")
        yield from _block(peer["ipBlock"], path + ("ipBlock",))
    for key in keys & {"podSelector", "namespaceSelector"}:
        yield from _selector(peer[key], path + (key,))


def _block(block: Any, path: Path) -> Iterator[ShapeProblem]:
    cidr = _cidr(block.get("cidr") if isinstance(block, dict) else None)
    if cidr is None:
        yield ShapeProblem(path + ("cidr",), "ipBlock.cidr is not a CIDR", "write e.g. 203.0.113.0/24")
        return
    excepts = block.get("except") or []
    if not isinstance(excepts, list):
        yield ShapeProblem(path + ("except",), "except is not a list", "write except: [cidr, ...]")
        return
    for i, text in enumerate(excepts):
        inner = _cidr(text)
        if inner is None or inner.version != cidr.version or not inner.subnet_of(cidr):  # type: ignore[arg-type]
            yield ShapeProblem(path + ("except", i), f"except {text!r} is not a CIDR inside {cidr}",
                               "list only ranges inside the ipBlock's cidr")


def _cidr(text: Any) -> Any:
    try:
        return ip_network(str(text), strict=False) if isinstance(text, str) and "/" in text else None
    except ValueError:
        return None


def _port(entry: Any, path: Path) -> Iterator[ShapeProblem]:
    if not isinstance(entry, dict):
        yield ShapeProblem(path, "a port entry must be a mapping", "write {protocol: TCP, port: 443}")
        return
    protocol, port, end = entry.get("protocol", "TCP"), entry.get("port"), entry.get("endPort")
    if protocol not in PROTOCOLS:
        yield ShapeProblem(path + ("protocol",), f"protocol {protocol!r} is not TCP, UDP or SCTP",
                           "write TCP, UDP or SCTP (upper case)")
    if isinstance(port, str):
        if not PORT_NAME.fullmatch(port):
            yield ShapeProblem(path + ("port",), f"{port!r} is neither a port number nor a port name",
                               "write a number 1-65535 or a container port's name")
        if end is not None:
            yield ShapeProblem(path + ("endPort",), "endPort needs a numeric port", "give port a number")
    elif port is not None and not _whole(port):
        yield ShapeProblem(path + ("port",), f"expected a whole number or a port name, found {_found(port)}",
                           "write a number 1-65535 or a container port's name")
    elif port is not None and not _in_range(port):
        yield ShapeProblem(path + ("port",), f"port {port!r} is out of range", "use 1-65535")
    if end is not None and not _whole(end):
        yield ShapeProblem(path + ("endPort",), f"expected a whole number, found {_found(end)}",
                           "write a number 1-65535")
    elif end is not None and _whole(port) and not (_in_range(end) and end >= port):
        yield ShapeProblem(path + ("endPort",), f"endPort {end!r} is not a port at or above {port}",
                           f"use {port}-65535")
    if end is not None and port is None:
        yield ShapeProblem(path + ("endPort",), "endPort needs a port", "give the first port of the range")


def _in_range(value: Any) -> bool:
    return _whole(value) and 1 <= value <= 65535


def _whole(value: Any) -> bool:
    """An int, as the API's int32 fields take it: not `true` (a bool is an int to Python), not 443.0 or NaN."""
    return isinstance(value, int) and not isinstance(value, bool)


def _found(value: Any) -> str:
    """A value as JSON writes it (`true`, `null`, `443.5`), for "expected ..., found ..."."""
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    return "an object" if isinstance(value, dict) else "a list" if isinstance(value, list) else repr(value)


def _pod_spec(spec: Any, path: Path) -> Iterator[ShapeProblem]:
    if not isinstance(spec, dict):
        yield ShapeProblem(path, "a pod spec must be a mapping", "give it containers")
        return
    if "hostNetwork" in spec and not isinstance(spec["hostNetwork"], bool):
        yield ShapeProblem(path + ("hostNetwork",), "hostNetwork is not true or false", "write true or false")
    containers = spec.get("containers") or []
    if not isinstance(containers, list):
        yield ShapeProblem(path + ("containers",), "containers is not a list", "write containers: [...]")
        return
    for i, container in enumerate(containers):
        ports = container.get("ports") if isinstance(container, dict) else None
        for j, port in enumerate(ports if isinstance(ports, list) else []):
            yield from _container_port(port, path + ("containers", i, "ports", j))


def _container_port(port: Any, path: Path) -> Iterator[ShapeProblem]:
    if not isinstance(port, dict) or not _in_range(port.get("containerPort")):
        yield ShapeProblem(path, "a container port needs containerPort 1-65535", "write containerPort: 8080")
        return
    if "name" in port and not (isinstance(port["name"], str) and PORT_NAME.fullmatch(port["name"])):
        yield ShapeProblem(path + ("name",), f"{port['name']!r} is not a port name",
                           "use up to 15 lowercase letters, digits and '-', with a letter")
    if port.get("protocol", "TCP") not in PROTOCOLS:
        yield ShapeProblem(path + ("protocol",), f"protocol {port.get('protocol')!r} is not TCP, UDP or SCTP",
                           "write TCP, UDP or SCTP")


def _pod(body: dict[str, Any]) -> Iterator[ShapeProblem]:
    yield from _metadata(body)
    yield from _pod_spec(body.get("spec") or {}, ("spec",))
    yield from _pod_status(body.get("status"))


def _pod_status(status: Any) -> Iterator[ShapeProblem]:
    """The pod's addresses (an export may have none): each an IP address, as the API reports them."""
    if status is None:
        return
    if not isinstance(status, dict):
        yield ShapeProblem(("status",), "status is not a mapping", "remove it, or export the pod again")
        return
    listed = status.get("podIPs") or []
    entries: list[tuple[Path, Any]] = [(("status", "podIP"), status["podIP"])] if status.get("podIP") is not None \
        else []
    if not isinstance(listed, list):
        yield ShapeProblem(("status", "podIPs"), "podIPs is not a list", "write podIPs: [{ip: 10.244.1.5}]")
        listed = []
    entries += [(("status", "podIPs", i, "ip"), entry.get("ip") if isinstance(entry, dict) else entry)
                for i, entry in enumerate(listed)]
    for path, address in entries:
        if not _address(address):
            yield ShapeProblem(path, f"{address!r} is not an IP address",
                               "write the pod's address as the API reports it, or leave it out")


def _address(value: Any) -> bool:
    try:
        ip_address(value if isinstance(value, str) else "")
    except ValueError:
        return False
    return True


def _controller(obj: Obj) -> Iterator[ShapeProblem]:
    yield from _metadata(obj.body)
    template, path = template_of(obj), TEMPLATES[obj.kind]
    if template is None:
        yield ShapeProblem(path[:-1], "the pod template is missing", "give the object spec.template")
        return
    meta = template.get("metadata") or {}
    if not isinstance(meta, dict):
        yield ShapeProblem(path + ("metadata",), "the template's metadata is not a mapping", "write labels under it")
    else:
        yield from _labels(meta.get("labels"), path + ("metadata", "labels"))
    yield from _pod_spec(template.get("spec") or {}, path + ("spec",))


def _service(body: dict[str, Any]) -> Iterator[ShapeProblem]:
    yield from _metadata(body)
    spec = body.get("spec") or {}
    if isinstance(spec, dict):
        yield from _labels(spec.get("selector"), ("spec", "selector"))



def _baseline(body: dict[str, Any]) -> Iterator[ShapeProblem]:
    """BaselineAdminNetworkPolicy v1alpha1: a subject, and ordered Allow/Deny rules."""
    yield from _metadata(body)
    spec = body.get("spec")
    subject = spec.get("subject") if isinstance(spec, dict) else None
    if not isinstance(subject, dict) or not ({"namespaces", "pods"} & set(subject)):
        yield ShapeProblem(("spec",), "a BaselineAdminNetworkPolicy needs spec.subject (namespaces or pods)",
                           "write subject: {namespaces: {...}}")
        return
    if "namespaces" in subject:
        yield from _selector(subject["namespaces"], ("spec", "subject", "namespaces"))
    for direction, side in (("ingress", "from"), ("egress", "to")):
        rules = spec.get(direction) or []  # type: ignore[union-attr]
        for i, rule in enumerate(rules if isinstance(rules, list) else [None]):
            path = ("spec", direction, i)
            if not isinstance(rule, dict) or rule.get("action") not in ("Allow", "Deny"):
                yield ShapeProblem(path, "a baseline rule needs action Allow or Deny", "write action: Deny")
                continue
            for j, peer in enumerate(rule.get(side) or []):
                if not isinstance(peer, dict) or not ({"namespaces", "pods", "networks", "nodes"} & set(peer)):
                    yield ShapeProblem(path + (side, j), "a peer needs namespaces, pods, networks or nodes",
                                       "write {namespaces: {...}}")
                elif "networks" in peer and not all(_cidr(n) is not None for n in peer["networks"] or []):
                    yield ShapeProblem(path + (side, j, "networks"), "networks must be CIDRs", "write 10.0.0.0/8")
            for j, port in enumerate(rule.get("ports") or []):
                if not _baseline_port(port):
                    yield ShapeProblem(path + ("ports", j), "a port needs portNumber {protocol, port}, "
                                       "portRange {protocol, start, end} or namedPort", "write portNumber: {port: 80}")


def _baseline_port(port: Any) -> bool:
    if not isinstance(port, dict):
        return False
    number, span = port.get("portNumber"), port.get("portRange")
    if isinstance(number, dict):
        return _in_range(number.get("port")) and number.get("protocol", "TCP") in PROTOCOLS
    if isinstance(span, dict):
        return (_in_range(span.get("start")) and _in_range(span.get("end")) and span["end"] >= span["start"]
                and span.get("protocol", "TCP") in PROTOCOLS)
    return isinstance(port.get("namedPort"), str)
