"""tools/check_boundaries.py finds forbidden imports in a tree, however they are spelled."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
_spec = importlib.util.spec_from_file_location("check_boundaries", ROOT / "tools" / "check_boundaries.py")
assert _spec and _spec.loader
boundaries = importlib.util.module_from_spec(_spec)
sys.modules["check_boundaries"] = boundaries  # dataclasses look their module up while the class is built
_spec.loader.exec_module(boundaries)

BASE = {
    "infra/__init__.py": "",
    "infra/ports.py": "import re\n",
    "infra/model.py": "from infra.ports import PortSet\n",
    "infra/plan.py": "from infra.model import Model\n",
    "infra/cli.py": "from infra.plan import make_plan\n",  # the CLI may use the planner
    "infra/reach.py": "from infra.ports import PortSet\n",
    "infra/verify.py": "from infra.reach import Network\nfrom infra.model import Model\n",
    "providers/__init__.py": "",
    "providers/aws/__init__.py": "from infra.registry import ProviderSpec\n",
    "providers/aws/plan.py": "from infra.plan import CloudPlan\n",
    "providers/aws/build.py": "import pulumi\nimport pulumi_aws\nfrom providers.aws.plan import rule_plan\n",
    "providers/aws/mock.py": "import moto\nfrom . import build\n",
    "providers/aws/collect.py": "import boto3\n",
    "providers/aws/normalize.py": "from infra.reach import Network\nfrom .services import SERVICES\n",
    "providers/aws/services.py": "SERVICES = {}\n",
}


def tree(tmp_path: Path, changes: dict[str, str]) -> Path:
    for rel, text in {**BASE, **changes}.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_the_real_tree_keeps_its_boundaries():
    assert boundaries.check(ROOT) == []


def test_a_clean_tree_passes_even_though_build_modules_use_pulumi_and_the_cli_uses_the_planner(tmp_path):
    assert boundaries.check(tree(tmp_path, {})) == []


@pytest.mark.parametrize("statement", [
    "import boto3", "import botocore.exceptions", "from moto import mock_aws", "from google.cloud import compute_v1",
    "import azure.mgmt.network", "import pulumi", "import pulumi_aws as aws", "from pulumi_gcp import compute",
    "import pulumi_azure_native", "from providers.aws import plan", "import providers.gcp.normalize",
])
def test_infra_importing_a_cloud_sdk_pulumi_or_a_provider_is_reported(tmp_path, statement):
    root = tree(tmp_path, {"infra/helper.py": f"import json\n\n{statement}\n"})
    [problem] = boundaries.check(root)
    assert problem.startswith("infra/helper.py:3: infra must not import ")
    assert statement.split()[1] in problem
    assert "cloud-neutral" in problem


def test_an_import_inside_a_function_counts(tmp_path):
    root = tree(tmp_path, {"infra/helper.py": "def f():\n    import boto3\n    return boto3\n"})
    assert [p.split(": ")[0] for p in boundaries.check(root)] == ["infra/helper.py:2"]


@pytest.mark.parametrize(("module", "statement", "forbidden"), [
    ("infra/verify.py", "from infra.plan import make_plan", "infra.plan"),
    ("infra/verify.py", "from infra import plan", "infra.plan"),
    ("infra/verify.py", "from . import plan", "infra.plan"),
    ("infra/verify.py", "from .plan import Path", "infra.plan"),
    ("infra/reach.py", "import infra.plan", "infra.plan"),
    ("infra/report.py", "import pulumi", "pulumi"),
    ("providers/aws/normalize.py", "from .build import SegmentedNetwork", "providers.aws.build"),
    ("providers/aws/normalize.py", "from . import mock", "providers.aws.mock"),
    ("providers/aws/normalize.py", "from ..aws.plan import rule_plan", "providers.aws.plan"),
    ("providers/aws/collect.py", "from providers.aws.plan import rule_plan", "providers.aws.plan"),
    ("providers/aws/collect.py", "from pulumi_aws import ec2", "pulumi_aws"),
])
def test_a_verify_module_importing_the_build_pipeline_directly_is_reported(tmp_path, module, statement, forbidden):
    root = tree(tmp_path, {module: BASE.get(module, "") + statement + "\n"})
    where = f"{module}:{len(BASE.get(module, '').splitlines()) + 1}: "
    # (what the imported builder imports in turn, and pulumi breaking the infra rule, get lines of their own)
    [problem] = [p for p in boundaries.check(root) if p.startswith(where) and "tautology" in p]
    assert f"the verify pipeline imports {forbidden} here" in problem


def test_a_verify_module_reaching_the_planner_through_other_modules_is_reported_with_the_chain(tmp_path):
    root = tree(tmp_path, {
        "infra/verify.py": "from infra.intent import paths\n",
        "infra/intent.py": "def paths():\n    from .shared import x\n    return x\n",
        "infra/shared.py": "from infra.plan import allowed_paths as x\n",
    })
    [problem] = boundaries.check(root)
    assert problem.startswith("infra/shared.py:1: the verify pipeline imports infra.plan here "
                              "(infra.verify -> infra.intent -> infra.shared -> infra.plan)")


def test_a_package_init_that_imports_a_builder_taints_every_module_of_the_package(tmp_path):
    root = tree(tmp_path, {"providers/aws/__init__.py": "from .build import SegmentedNetwork\n"})
    [problem] = [p for p in boundaries.check(root) if p.startswith("providers/aws/__init__.py:")]
    # collect and normalize both load the package: one line for the import, naming both
    assert problem.startswith("providers/aws/__init__.py:1: the verify pipeline imports providers.aws.build here "
                              "(providers.aws.collect -> providers.aws -> providers.aws.build; "
                              "also loaded by providers.aws.normalize)")


def test_the_command_exits_1_with_one_line_per_violation_and_0_when_clean(tmp_path):
    script = ROOT / "tools" / "check_boundaries.py"
    bad = tree(tmp_path / "bad", {"infra/helper.py": "import boto3\n", "infra/verify.py": "import infra.plan\n"})
    done = subprocess.run([sys.executable, str(script), str(bad)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 3 and lines[-1].startswith("2 import boundary violation(s)")
    clean = subprocess.run([sys.executable, str(script), str(ROOT)], capture_output=True, text=True, timeout=60)
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout.startswith("import boundaries ok")
