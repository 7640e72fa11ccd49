"""The GCP stack's settings and its checks of the stack's provider configuration (pure).

The program deploys through the stack's default Google provider (credentials, impersonation,
default labels and the like apply as configured) and names the model's project and region on
every resource. A `gcp:project` or `gcp:region` that says otherwise is refused rather than
silently overruled.
"""

from __future__ import annotations

from collections.abc import Mapping

from infra.stack_template import StackSetting

STACK_SETTINGS: tuple[StackSetting, ...] = ()


def provider_values(cloud_settings: Mapping[str, object]) -> dict[str, str]:
    """Nothing: every resource names the model's project and region itself."""
    return {}


def placement_problems(project: str, region: str, configured: Mapping[str, str | None]) -> list[str]:
    """`configured`: the stack's gcp:project and gcp:region (None when unset)."""
    problems = []
    for key, wanted, field in (("gcp:project", project, "project"), ("gcp:region", region, "region")):
        value = configured.get(key)
        if value and value != wanted:
            problems.append(f"gcp: {key} is {value} but the model deploys to {field} {wanted} "
                            f"(clouds.gcp.{field}); set `pulumi config set {key} {wanted}` or remove it")
    return problems
