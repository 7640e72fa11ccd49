"""What both pipelines agree on for a cluster: labels, the address space outside the cluster,
and where the neutral services and the cluster DNS are.

On a cluster a neutral service is not a managed endpoint bulkhead creates: it is reached on
tcp/443 at the CIDRs the model gives under `clouds.kubernetes.services` (a VPC endpoint's
subnet, a proxy). The cluster DNS is pods (`kube-system`, `k8s-app: kube-dns` unless the model
says otherwise), reached on udp/53 and tcp/53 by every segment.
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network

from infra.model_kubernetes import DNS_ENDPOINT, DNS_PORTS, NAME_LABEL

SEGMENT_LABEL = "bulkhead.io/segment"
MODEL_LABEL = "bulkhead.io/model"
PURPOSE_ANNOTATION = "bulkhead.io/purpose"
DNS_NAME = DNS_ENDPOINT.removeprefix("service:")  # "cluster-dns", in policy names
HTTPS = 443

# Never "the internet" for the builder's internet egress: private, shared (CGNAT, often pod
# ranges), link-local (the cloud's instance metadata service) and loopback addresses.
PRIVATE_V4 = tuple(IPv4Network(c) for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                             "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8"))
ANYWHERE_V4 = IPv4Network("0.0.0.0/0")
ANYWHERE_V6 = IPv6Network("::/0")

Network = IPv4Network | IPv6Network

__all__ = ["ANYWHERE_V4", "ANYWHERE_V6", "DNS_ENDPOINT", "DNS_NAME", "DNS_PORTS", "HTTPS", "MODEL_LABEL",
           "NAME_LABEL", "PRIVATE_V4", "PURPOSE_ANNOTATION", "SEGMENT_LABEL", "networks"]


def networks(values: object) -> tuple[Network, ...]:
    """CIDR strings (or networks) from settings, as networks; the model has validated them."""
    if values is None:
        return ()
    if isinstance(values, str | IPv4Network | IPv6Network):
        values = [values]
    return tuple(ip_network(str(v)) for v in values)  # type: ignore[attr-defined]
