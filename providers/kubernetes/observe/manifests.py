"""A folder given as `--snapshot DIR` for kubernetes: a collected snapshot, or a tree of manifests.

A folder holding `cluster.json` was written by `bulkhead collect` (or `simulate
--snapshot-out`): it is read like every cloud's snapshot and checked file by file against
what the collector writes (shapes.py, through infra/shapes.py), each problem at its JSON path.

Any other folder is a tree of manifests (what people keep in Git): every `*.yaml`, `*.yml` and
`*.json` file under DIR (hidden folders such as `.git` skipped), with every `---` document in
it; `kind: List` and typed lists are opened by the normalizer (objects.py). Documents that are
not Kubernetes objects bulkhead reads (a Helm values file, a bulkhead model, a ConfigMap) are
ignored, whatever YAML they use. Broken YAML or JSON, YAML past the reader's limits, and
objects the API server would refuse are located errors (`file:line:col: what; fix`): nothing
malformed is taken for cluster state. YAML is read by bulkhead's own YAML layer, as models are
(manifest_yaml.py). A folder with no Kubernetes object at all is refused, naming the cloud
whose snapshot it looks like if it looks like one.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from infra.errors import Diagnostic, ModelError, SnapshotError, SnapshotProblem
from infra.shapes import not_this_cloud
from infra.snapshot import CheckedSnapshot, NotAFile, Snapshot, regular_text, snapshot_files, snapshot_folder
from infra.snapshot import read_snapshot as read_collected
from providers.kubernetes.observe import object_shapes
from providers.kubernetes.observe.collect import CLUSTER_FILE
from providers.kubernetes.observe.manifest_yaml import ManifestFile, read_text, size_problem
from providers.kubernetes.observe.objects import CORE, TEMPLATES, Obj, objects
from providers.kubernetes.observe.shapes import SNAPSHOT_LAYOUT

SUFFIXES = (".yaml", ".yml", ".json")
NOT_A_MANIFEST = "put the manifest file in its place, or move it out of the folder"


def read_snapshot(directory: str | Path) -> Snapshot:
    root = snapshot_folder(directory, "a folder of Kubernetes manifests or one written by "
                           "`bulkhead collect --cloud kubernetes`")
    if (root / CLUSTER_FILE).is_file():
        return read_collected(root)
    return read_manifests(root)


def read_manifests(root: Path) -> CheckedSnapshot:
    """Every manifest under `root`, checked; ModelError with every located problem."""
    snapshot = CheckedSnapshot()
    files: dict[str, ManifestFile] = {}
    paths, unreadable = _manifest_paths(root)
    diagnostics = [Diagnostic(p.file, 1, 1, "", p.message, p.fix) for p in unreadable]
    for path in paths:
        name = path.relative_to(root).as_posix()
        try:
            found = _read(path)
        except ModelError as exc:
            diagnostics += exc.diagnostics
            continue
        snapshot[name], files[name] = found.documents, found
        diagnostics += _composing_problems(name, found)
    diagnostics += _object_problems(snapshot, files)
    if diagnostics:
        raise ModelError(diagnostics)
    if not any(True for _ in objects(snapshot)):
        raise SnapshotError([_nothing_read(root, snapshot)])
    return snapshot


def _manifest_paths(root: Path) -> tuple[list[Path], list[SnapshotProblem]]:
    """The manifest files (hidden folders such as `.git` skipped), and what is named like one but
    cannot be read as a file (a FIFO, a folder, a symlink loop: a manifest there would go unread)."""
    return snapshot_files(root, lambda name: name.lower().endswith(SUFFIXES), skip_hidden_folders=True,
                          fix=NOT_A_MANIFEST)


def _read(path: Path) -> ManifestFile:
    shown = str(path)
    try:
        too_big = size_problem(path.stat().st_size, shown)  # before reading it whole
        if too_big is not None:
            raise ModelError([too_big])
        text = regular_text(path)
    except NotAFile as exc:
        raise ModelError([Diagnostic(shown, 1, 1, "", str(exc), NOT_A_MANIFEST)]) from None
    except (UnicodeDecodeError, OSError) as exc:
        raise ModelError([Diagnostic(shown, 1, 1, "", f"cannot read the file ({exc.__class__.__name__})",
                                     "save it as UTF-8 text, or move it out of the folder")]) from None
    return read_text(text, shown, path.suffix.lower() == ".json")


def _composing_problems(name: str, found: ManifestFile) -> list[Diagnostic]:
    """What composing found (duplicate keys, unknown tags) in the documents bulkhead reads objects from."""
    return [problem for document, problems in zip(found.documents, found.problems, strict=True)
            if problems and any(True for _ in objects({name: document})) for problem in problems]


def _object_problems(snapshot: Snapshot, files: dict[str, ManifestFile]) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for file, documents in snapshot.items():
        for index, document in enumerate(documents):
            if isinstance(document, dict) and _needs_version(document):
                out.append(files[file].at(index, ("kind",), f"a {document['kind']} without apiVersion",
                                          "add apiVersion (e.g. networking.k8s.io/v1)"))
    seen: dict[tuple[str, str, str, str], Obj] = {}
    for obj in objects(snapshot):
        where = files[obj.origin.file]
        for problem in object_shapes.problems(obj):
            out.append(where.at(obj.origin.document, obj.origin.path() + problem.path,
                                f"{obj.ref()}: {problem.message}", problem.fix))
        key = (obj.group, obj.kind, obj.namespace if obj.kind != "Namespace" else "", obj.name)
        if key in seen and obj.name:
            first = seen[key].origin
            out.append(where.at(obj.origin.document, obj.origin.path() + ("metadata", "name"),
                                f"{obj.ref()} is also defined in {first}",
                                "keep one definition (the API keeps only the last one applied)"))
        seen.setdefault(key, obj)
    return out


def _needs_version(document: dict[str, Any]) -> bool:
    """A document of a kind bulkhead evaluates that the API would refuse for lack of apiVersion."""
    kind = document.get("kind")
    return isinstance(kind, str) and "apiVersion" not in document and kind in {*CORE, *TEMPLATES, "NetworkPolicy"}


def _nothing_read(root: Path, snapshot: Snapshot) -> SnapshotProblem:
    """No Kubernetes object: say so, and which cloud's snapshot the folder looks like if any."""
    json_files = {name: documents[0] for name, documents in snapshot.items() if name.endswith(".json")}
    problem = replace(not_this_cloud(SNAPSHOT_LAYOUT, json_files), file=str(root))
    if problem.message.startswith("no file of"):  # not another cloud's snapshot either
        return replace(problem, message=problem.message + " and no Kubernetes object (a YAML or JSON document "
                       "with apiVersion and kind) in its *.yaml, *.yml or *.json files",
                       fix=problem.fix + ", or a folder of Kubernetes manifests")
    return problem
