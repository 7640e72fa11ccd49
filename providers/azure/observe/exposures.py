"""Audit mode: every network interface the internet reaches through its public IP address.

Same contract as AWS (docs/verifier.md, "audit"): one entry per interface and protocol with
the resource (the VM, else the NIC), the interface (the NIC's id), the public address, the
protocol, the ports and the rule ids. Arriving traffic crosses the subnet NSG then the NIC
NSG (a layer without an NSG lets everything in); the internet needs no route to reach a
public IP. NICs behind load balancers are not collected, so they are not listed.
"""

from __future__ import annotations

from infra.ports import json_ports
from infra.reach import INTERNET, Engine, Network, Side
from providers.azure.observe.layers import MemberFilters
from providers.azure.observe.state import AzureState, Json, props, ref


def exposures(state: AzureState, members: dict[str, tuple[MemberFilters, ...]]) -> tuple[dict[str, object], ...]:
    nics = {str(n.get("id", "")).lower(): n for n in state.nics}
    out: list[dict[str, object]] = []
    for found in members.values():
        for filters in found:
            nic = nics.get(filters.member.id.lower())
            address = _public_address(state, nic) if nic else None
            if nic is None or address is None:
                continue
            ingress = tuple(f for f in (filters.subnet_in, filters.nic_in) if f is not None)
            sides: dict[str, tuple[Side, ...]] = {INTERNET: (Side(INTERNET),),
                                                  filters.member.id: (Side(filters.member.id, (), ingress),)}
            for path in Engine(Network("azure", tuple(sides), sides=sides)).observed():
                if path.src != INTERNET:
                    continue
                out.append({"resource": _resource(nic), "interface": str(nic.get("id")), "address": address,
                            "protocol": path.protocol, "ports": json_ports(path.protocol, path.ports),
                            "evidence": list(path.evidence_for(path.ports))})
    return tuple(out)


def _public_address(state: AzureState, nic: Json) -> str | None:
    for cfg in props(nic).get("ipConfigurations") or []:
        pip_id = ref(props(cfg).get("publicIPAddress"))
        if pip_id:
            pip = state.public_ips.get(pip_id)
            return str(props(pip).get("ipAddress") or pip_id.rsplit("/", 1)[-1])
    return None


def _resource(nic: Json) -> str:
    vm = ref(props(nic).get("virtualMachine"))
    return vm.rsplit("/", 1)[-1] if vm else str(nic.get("name") or nic.get("id"))
