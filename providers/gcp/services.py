"""Neutral service names -> how a GCP segment reaches them privately.

Every Google API is served from the same restricted virtual IP (restricted.googleapis.com,
199.36.153.4/30), so the network alone cannot tell object storage from KMS: whoever reaches
the VIP on tcp/443 reaches every API. What makes the difference per segment is the
segment's identity: its service account is granted the IAM role of each declared service
and nothing else. The builder grants `role`; the verifier maps any role back to the service
family by its prefix (`families`), so a broader role granted by hand is still seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Network

from infra.model import SERVICES, ServiceName

RESTRICTED_VIP = IPv4Network("199.36.153.4/30")
# private.googleapis.com: the other Private Google Access VIP; the builder does not use it,
# but a subnet with Private Google Access reaches the same APIs through it.
PRIVATE_VIP = IPv4Network("199.36.153.8/30")
API_VIPS = (RESTRICTED_VIP, PRIVATE_VIP)
RESTRICTED_HOST = "restricted.googleapis.com."
API_DOMAIN = "googleapis.com."
DEFAULT_INTERNET_GATEWAY = "default-internet-gateway"
HTTPS = 443


@dataclass(frozen=True)
class GcpService:
    name: ServiceName
    api: str  # the API host, for docs and the DNS records
    role: str  # granted to a segment's service account that declares the service
    families: tuple[str, ...]  # role prefixes that grant use of the API


CATALOG: dict[ServiceName, GcpService] = {
    "object-storage": GcpService("object-storage", "storage.googleapis.com",
                                 "roles/storage.objectUser", ("roles/storage.",)),
    "container-registry": GcpService("container-registry", "artifactregistry.googleapis.com",
                                     "roles/artifactregistry.reader",
                                     ("roles/artifactregistry.", "roles/containerregistry.")),
    "key-management": GcpService("key-management", "cloudkms.googleapis.com",
                                 "roles/cloudkms.cryptoKeyEncrypterDecrypter", ("roles/cloudkms.",)),
    "logging": GcpService("logging", "logging.googleapis.com", "roles/logging.logWriter",
                          ("roles/logging.",)),
    "ml-api": GcpService("ml-api", "aiplatform.googleapis.com", "roles/aiplatform.user",
                         ("roles/aiplatform.", "roles/ml.")),
}
assert set(CATALOG) == set(SERVICES), "every neutral service needs a GCP mapping"

# Basic roles grant every API (https://cloud.google.com/iam/docs/roles-overview#basic).
BASIC_ROLES = ("roles/owner", "roles/editor", "roles/viewer")


def services_of_role(role: str) -> tuple[ServiceName, ...]:
    """The neutral services a project-level role lets an identity use."""
    if role in BASIC_ROLES:
        return SERVICES
    return tuple(s.name for s in CATALOG.values() if role.startswith(s.families))
