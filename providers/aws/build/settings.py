"""The AWS stack's settings and its checks of the stack's provider configuration (pure).

The program deploys through the stack's default AWS provider, so everything users set under
`aws:` (profile, assumeRoles, defaultTags, region, ...) applies. The one setting bulkhead
must agree with is the region: the model places the VPC in `clouds.aws.region`, and the
provider deploys wherever `aws:region` (else AWS_REGION / AWS_DEFAULT_REGION) says.
"""

from __future__ import annotations

from collections.abc import Mapping

from infra.stack_template import StackSetting

STACK_SETTINGS: tuple[StackSetting, ...] = (
    StackSetting("flowLogs", "string", "where VPC flow logs go: cloudwatch (a log group and its delivery role) "
                 "or s3 (a bucket)", "cloudwatch", choices=("cloudwatch", "s3")),
)
REGION_SOURCES = ("aws:region", "AWS_REGION", "AWS_DEFAULT_REGION")  # the provider's own order


def provider_values(cloud_settings: Mapping[str, object]) -> dict[str, str]:
    """Provider settings a new project carries for this model (Pulumi.yaml `config:` values)."""
    return {"aws:region": str(cloud_settings["region"])}


def region_problems(model_region: str, configured: Mapping[str, str | None]) -> list[str]:
    """The stack deploys where its provider's region points; that must be the model's region.

    `configured` maps each of REGION_SOURCES to its value (None when unset); the first one set
    is what the provider uses.
    """
    source = next((s for s in REGION_SOURCES if configured.get(s)), None)
    fix = f"`pulumi config set aws:region {model_region}` (the model's clouds.aws.region)"
    if source is None:
        return [f"aws: the stack names no AWS region; set {fix}"]
    region = configured[source]
    if region != model_region:
        return [f"aws: {source} is {region} but the model places the VPC in {model_region}; set {fix} "
                f"or change clouds.aws.region"]
    return []
