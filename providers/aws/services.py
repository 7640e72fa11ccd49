"""Neutral service names (infra.model.SERVICES) -> AWS private endpoints.

S3 is reached through a GATEWAY endpoint (a prefix-list route, no ENI, no security group);
every other service through INTERFACE endpoints (ENIs in the reserved endpoint subnets,
guarded by a security group). One neutral service may need several AWS endpoints: ECR
serves its API and the Docker registry on two names, SageMaker its control plane and
inference runtime on two more.

Known gap: ECR serves image layers from S3, so a segment that pulls images also needs
`object-storage` in practice. bulkhead does not add it silently: a path the model did not
ask for must not appear.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from infra.model import SERVICES, ServiceName

EndpointKind = Literal["Gateway", "Interface"]


@dataclass(frozen=True)
class AwsService:
    kind: EndpointKind
    suffixes: tuple[str, ...]  # the `<x>` of `com.amazonaws.<region>.<x>`, one endpoint each

    def service_names(self, region: str) -> tuple[str, ...]:
        return tuple(f"com.amazonaws.{region}.{suffix}" for suffix in self.suffixes)


ENDPOINTS: dict[ServiceName, AwsService] = {
    "object-storage": AwsService("Gateway", ("s3",)),
    "container-registry": AwsService("Interface", ("ecr.api", "ecr.dkr")),
    "key-management": AwsService("Interface", ("kms",)),
    "logging": AwsService("Interface", ("logs",)),
    "ml-api": AwsService("Interface", ("sagemaker.api", "sagemaker.runtime")),
}

# A neutral service added to infra.model without an AWS mapping must fail at import, not
# deploy a segment that silently cannot reach it.
if set(ENDPOINTS) != set(SERVICES):
    raise RuntimeError(f"AWS endpoint mapping out of date: {sorted(set(SERVICES) ^ set(ENDPOINTS))}")


def endpoint(service: str) -> AwsService:
    return ENDPOINTS[service]  # type: ignore[index]
