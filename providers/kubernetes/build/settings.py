"""The Kubernetes stack's settings and provider values (pure): none of its own.

The program deploys through the stack's default Kubernetes provider, so everything users set
under `kubernetes:` applies as Pulumi documents it: `kubernetes:context` (else the kubeconfig's
current context), `kubernetes:kubeconfig`, `kubernetes:cluster`, `kubernetes:namespace`,
`kubernetes:renderYamlToDirectory` (write the manifests instead of applying them: a folder
`bulkhead verify --snapshot` reads), and the rest. None of them can contradict the model:
every object bulkhead creates names its own namespace (so `kubernetes:namespace` moves
nothing), and the model's `clouds.kubernetes.cluster` is only the name reports use, not a
kubeconfig entry to check the context against. A project carries no provider value either:
which cluster to deploy to is each stack's choice (`pulumi config set kubernetes:context ...`).
"""

from __future__ import annotations

from collections.abc import Mapping

from infra.stack_template import StackSetting

STACK_SETTINGS: tuple[StackSetting, ...] = ()


def provider_values(cloud_settings: Mapping[str, object]) -> dict[str, str]:
    """Nothing: the cluster is chosen per stack (`kubernetes:context`), not per project."""
    return {}
