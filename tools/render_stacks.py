"""Write stacks/<cloud>/ from bulkhead's project template, the one `bulkhead init` uses.

The repository's stacks are that template rendered for this checkout: the project is
`bulkhead-<cloud>`, the model defaults to examples/ai-platform.yaml (the Kubernetes stack's to
examples/ai-platform-kubernetes.yaml, the same platform on a cluster) and the virtualenv is the
repository's `.venv` (which `make` fills with `bulkhead[all]`). tests/test_init.py fails when
a stack drifts from the template; run `python tools/render_stacks.py` to bring it back.
"""

from __future__ import annotations

import sys
from pathlib import Path

from infra.load import load_model
from infra.registry import part, providers
from infra.stack_template import Project, render_project

ROOT = Path(__file__).resolve().parent.parent
MODEL = "examples/ai-platform.yaml"
MODELS = {"kubernetes": "examples/ai-platform-kubernetes.yaml"}  # the clouds ai-platform.yaml does not declare


def example_model(cloud: str) -> str:
    """The example model a repository stack deploys (relative to the repository)."""
    return MODELS.get(cloud, MODEL)


def repo_stack(cloud: str) -> dict[str, str]:
    """File name -> text of stacks/<cloud>/ as the template renders it for this repository."""
    model = load_model(ROOT / example_model(cloud)).model
    build = part(cloud, "build")
    project = Project(cloud=cloud, name=f"bulkhead-{cloud}", model=f"../../{example_model(cloud)}",
                      virtualenv="../../.venv",
                      provider_values=build.provider_values(getattr(model.clouds, cloud).model_dump()))
    return render_project(project, build.STACK_SETTINGS)


def main() -> int:
    for cloud in sorted(providers()):
        for name, text in repo_stack(cloud).items():
            target = ROOT / "stacks" / cloud / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            print(target.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
