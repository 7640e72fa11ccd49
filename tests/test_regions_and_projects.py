"""Regions and GCP project ids: every real one loads, anything else is refused at its key (and by the schema).

The lists are the clouds' published regions (commercial, government, China and sovereign partitions);
a name that only looks like one still loads, since the shape is what bulkhead can check offline.
"""

from __future__ import annotations

import json

import jsonschema
import pytest

from infra.errors import ModelError
from infra.load import parse_model
from infra.schema import model_schema

AWS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-east-2", "ap-south-1",
       "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
       "ap-southeast-7", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ca-central-1", "ca-west-1",
       "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2",
       "eu-north-1", "il-central-1", "me-south-1", "me-central-1", "mx-central-1", "sa-east-1", "us-gov-east-1",
       "us-gov-west-1", "cn-north-1", "cn-northwest-1", "us-iso-east-1", "us-isob-east-1", "eusc-de-east-1"]
GCP = ["africa-south1", "asia-east1", "asia-east2", "asia-northeast1", "asia-northeast2", "asia-northeast3",
       "asia-south1", "asia-south2", "asia-southeast1", "asia-southeast2", "australia-southeast1",
       "australia-southeast2", "europe-central2", "europe-north1", "europe-north2", "europe-southwest1",
       "europe-west1", "europe-west2", "europe-west3", "europe-west4", "europe-west6", "europe-west8", "europe-west9",
       "europe-west10", "europe-west12", "me-central1", "me-central2", "me-west1", "northamerica-northeast1",
       "northamerica-northeast2", "northamerica-south1", "southamerica-east1", "southamerica-west1", "us-central1",
       "us-east1", "us-east4", "us-east5", "us-south1", "us-west1", "us-west2", "us-west3", "us-west4"]
AZURE = ["eastus", "eastus2", "westus", "westus2", "westus3", "centralus", "northcentralus", "southcentralus",
         "westcentralus", "canadacentral", "canadaeast", "brazilsouth", "brazilsoutheast", "northeurope",
         "westeurope", "uksouth", "ukwest", "francecentral", "francesouth", "germanywestcentral", "germanynorth",
         "switzerlandnorth", "switzerlandwest", "norwayeast", "norwaywest", "swedencentral", "polandcentral",
         "italynorth", "spaincentral", "eastasia", "southeastasia", "japaneast", "japanwest", "koreacentral",
         "koreasouth", "australiaeast", "australiasoutheast", "australiacentral", "australiacentral2",
         "centralindia", "southindia", "westindia", "jioindiawest", "uaenorth", "uaecentral", "southafricanorth",
         "southafricawest", "qatarcentral", "israelcentral", "mexicocentral", "newzealandnorth", "usgovvirginia",
         "usgovarizona", "usgovtexas", "chinaeast2", "chinanorth3"]
NOT_REGIONS = {
    "aws": ["mars-north-9", "us-east-1; rm -rf", "us-east-1\n", "US-EAST-1", "useast1", "us-east-1a", "us-east",
            "us-central1", "eastus", "us-east-0", ""],
    "gcp": ["us-central1-a", "us central1", "uscentral1", "us-east-1", "US-CENTRAL1", "us-central", "europe-west0",
            "eastus", ""],
    "azure": ["East US", "east-us", "eastus;", "EASTUS", "eastus\n", "us-east-1", "1eastus", "e", ""],
}
PROJECTS = ["my-project", "ai-platform-prod", "abcdef", "p12345", "a" + "b" * 29, "shop-project-2024"]
NOT_PROJECTS = ["p", "my/project", "My Project", "my-project-", "1project", "abcde", "a" * 31, "my_project",
                "project\n", "-project", ""]


def model(cloud: str, region: str, project: str = "shop-project") -> dict:
    settings = {"region": region, "cidr": "10.0.0.0/16"} | ({"project": project} if cloud == "gcp" else {})
    return {"name": "shop", "clouds": {cloud: settings}, "segments": {"web": {}}}


def load(data: dict) -> None:
    parse_model(json.dumps(data), "m.yaml")


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(model_schema())


@pytest.mark.parametrize("cloud, region", [("aws", r) for r in AWS] + [("gcp", r) for r in GCP] +
                         [("azure", r) for r in AZURE])
def test_every_real_region_loads_and_satisfies_the_schema(cloud, region, validator):
    load(model(cloud, region))
    assert not list(validator.iter_errors(model(cloud, region)))


@pytest.mark.parametrize("cloud, region", [(c, r) for c, regions in NOT_REGIONS.items() for r in regions])
def test_a_name_that_is_not_a_region_of_its_cloud_is_refused_at_the_region_with_the_form(cloud, region, validator):
    with pytest.raises(ModelError) as caught:
        load(model(cloud, region))
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.path == f"clouds.{cloud}.region"
    assert "region name" in diagnostic.message and "a region is written like" in diagnostic.fix
    if region.strip() == region:  # the schema's `$` (Python's re.search) lets a final newline pass
        assert list(validator.iter_errors(model(cloud, region)))


@pytest.mark.parametrize("project", PROJECTS)
def test_a_project_id_by_the_resource_manager_rules_loads(project, validator):
    load(model("gcp", "us-central1", project))
    assert not list(validator.iter_errors(model("gcp", "us-central1", project)))


@pytest.mark.parametrize("project", NOT_PROJECTS)
def test_anything_else_as_a_project_is_refused_at_the_project_with_the_rule(project, validator):
    with pytest.raises(ModelError) as caught:
        load(model("gcp", "us-central1", project))
    [diagnostic] = caught.value.diagnostics
    assert diagnostic.path == "clouds.gcp.project"
    assert diagnostic.message == f"{project!r} is not a GCP project id"
    assert "6-30 lowercase letters, digits and '-'" in diagnostic.fix
    if project.strip() == project:
        assert list(validator.iter_errors(model("gcp", "us-central1", project)))
