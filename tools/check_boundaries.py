"""Check the import boundaries docs/contracts.md sets, by reading every import with `ast` (nothing runs).

1. infra/ is cloud-neutral: no module under infra/ imports a cloud SDK (boto3, botocore,
   moto, google.*, azure.*, kubernetes), any Pulumi package (pulumi, pulumi_*) or a provider
   (providers.*); infra finds providers through the entry-point registry instead.
2. The proof is not a tautology: the verify pipeline (infra/reach.py, infra/verify.py,
   infra/report.py, infra/flows/ (observe) and everything under providers/*/observe/) never imports the build pipeline
   (infra.plan, anything under providers/*/build/ or providers/*/mock/) or Pulumi.
3. The builder never reads the cloud: nothing under providers/*/build/ imports anything under
   providers/*/observe/. (mock/ may import both: it runs the program and may reuse collect.)

Rules 2 and 3 hold directly and through any chain of project modules. Importing a module also
runs its packages' __init__ files, so those count as imported too. Imports inside functions count.

Usage: python tools/check_boundaries.py [ROOT]   (exit 1 and one line per violation)
"""

from __future__ import annotations

import ast
import re
import sys
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGES = ("infra", "providers")
CLOUD_SDKS = {"boto3", "botocore", "moto", "google", "azure", "kubernetes"}
VERIFY_GLOBS = ("infra/reach.py", "infra/verify.py", "infra/report.py", "infra/flows/**/*.py",
                "providers/*/observe/**/*.py")
BUILD_GLOBS = ("providers/*/build/**/*.py",)
BUILD_ONLY = re.compile(r"^(infra\.plan|providers\.[^.]+\.(build|mock))(\..+)?$")
OBSERVE = re.compile(r"^providers\.[^.]+\.observe(\..+)?$")


@dataclass(frozen=True)
class Import:
    target: str  # a dotted name: a module, or a name inside one (`from a import b` gives a.b too)
    line: int


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    imports: tuple[Import, ...]


def is_pulumi(name: str) -> bool:
    top = name.split(".")[0]
    return top == "pulumi" or top.startswith("pulumi_")


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(source: str, name: str, is_package: bool, filename: str) -> Iterator[Import]:
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            yield from (Import(alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(name, is_package, node.level, node.module, filename, node.lineno)
            yield Import(base, node.lineno)
            yield from (Import(f"{base}.{a.name}", node.lineno) for a in node.names if a.name != "*")


def _absolute(name: str, is_package: bool, level: int, module: str | None, filename: str, line: int) -> str:
    """`from ..x import y` inside `name` -> the absolute module it names."""
    if level == 0:
        return module or ""
    package = name.split(".") if is_package else name.split(".")[:-1]
    if level - 1 > len(package) - 1:
        raise SystemExit(f"{filename}:{line}: relative import goes above the top-level package")
    base = package[: len(package) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def scan(root: Path) -> dict[str, Module]:
    modules: dict[str, Module] = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if ".venv" in path.parts:
                continue
            name = module_name(root, path)
            found = imports_of(path.read_text(encoding="utf-8"), name, path.name == "__init__.py", str(path))
            modules[name] = Module(name, path, tuple(found))
    return modules


def loaded_by(target: str, modules: dict[str, Module]) -> list[str]:
    """The project modules that importing `target` runs: it and every package above it."""
    parts = target.split(".")
    return [m for m in (".".join(parts[:i]) for i in range(1, len(parts) + 1)) if m in modules]


def infra_violations(root: Path, modules: dict[str, Module]) -> list[str]:
    out = []
    for module in modules.values():
        if module.name != "infra" and not module.name.startswith("infra."):
            continue
        for imp in module.imports:
            top = imp.target.split(".")[0]
            what = ("a cloud SDK" if top in CLOUD_SDKS else "a Pulumi package" if is_pulumi(top)
                    else "a provider" if top == "providers" else None)
            if what and imp.target == _first_target(module, imp.line, top):
                out.append(f"{_rel(root, module.path)}:{imp.line}: infra must not import {imp.target} ({what}); "
                           "infra stays cloud-neutral: put cloud code in providers/<cloud>/ and reach it "
                           "through infra.registry")
    return out


def _first_target(module: Module, line: int, top: str) -> str:
    # `from a import b` yields a and a.b: report the statement once, by its module.
    return next(i.target for i in module.imports if i.line == line and i.target.split(".")[0] == top)


def verify_violations(root: Path, modules: dict[str, Module]) -> list[str]:
    """Rule 2: one line per offending import statement, with the shortest chain from a verify module."""
    return _chain_violations(root, modules, VERIFY_GLOBS, _build_only,
                             "the verify pipeline imports {bad} here ({chain}{also}); it must read only the "
                             "model and the cloud, or the proof is a tautology")


def build_violations(root: Path, modules: dict[str, Module]) -> list[str]:
    """Rule 3: the builder compiles the model; it never depends on what observe/ reads from a cloud."""
    return _chain_violations(root, modules, BUILD_GLOBS, _observe,
                             "the build pipeline imports {bad} here ({chain}{also}); build/ never imports "
                             "observe/: the pipelines meet only at the model and at the cloud")


def _build_only(imp: Import, modules: dict[str, Module]) -> str | None:
    if is_pulumi(imp.target):
        return imp.target.split(".")[0]
    return next((m for m in loaded_by(imp.target, modules) if BUILD_ONLY.match(m)), None)


def _observe(imp: Import, modules: dict[str, Module]) -> str | None:
    return next((m for m in loaded_by(imp.target, modules) if OBSERVE.match(m)), None)


def _chain_violations(root: Path, modules: dict[str, Module], globs: tuple[str, ...],
                      forbidden: Callable[[Import, dict[str, Module]], str | None], message: str) -> list[str]:
    found: dict[tuple[str, int, str], list[list[str]]] = {}
    starts = sorted({module_name(root, p) for pattern in globs for p in root.glob(pattern)} & set(modules))
    for start in starts:
        for chain, imp in _reachable(start, modules):
            bad = forbidden(imp, modules)
            if bad is not None:
                found.setdefault((chain[-1], imp.line, bad), []).append(chain)
    out = []
    for (where, line, bad), chains in sorted(found.items()):
        first = min(chains, key=len)
        others = sorted({c[0] for c in chains} - {first[0]})
        also = f"; also loaded by {', '.join(others)}" if others else ""
        text = message.format(bad=bad, chain=" -> ".join(first + [bad]), also=also)
        out.append(f"{_rel(root, modules[where].path)}:{line}: {text}")
    return out


def _reachable(start: str, modules: dict[str, Module]) -> Iterator[tuple[list[str], Import]]:
    """Every import made by `start` or by a project module it loads, with the chain that got there."""
    chains = {m: [start] if m == start else [start, m] for m in loaded_by(start, modules)}
    queue = deque(chains)
    while queue:
        current = queue.popleft()
        for imp in modules[current].imports:
            yield chains[current], imp
            for loaded in loaded_by(imp.target, modules):
                if loaded not in chains:
                    chains[loaded] = chains[current] + [loaded]
                    queue.append(loaded)


def _rel(root: Path, path: Path) -> str:
    return str(path.relative_to(root))


def check(root: Path) -> list[str]:
    modules = scan(root)
    return infra_violations(root, modules) + verify_violations(root, modules) + build_violations(root, modules)


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[1]
    problems = check(root)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} import boundary violation(s) (see docs/contracts.md: dependencies point one way)",
              file=sys.stderr)
        return 1
    print(f"import boundaries ok: {len(scan(root))} modules under {', '.join(PACKAGES)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
