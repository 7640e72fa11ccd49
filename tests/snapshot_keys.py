"""Which keys a cloud's normalizers read, and which its snapshot shapes declare (for the fuzz and
for the test that every key read is declared).

Keys read are found in the normalizers' source, apart from the shapes: `.get("key"`,
`["key"]` and `"key" in <object>`. Keys declared are the fields of every `Shape` a cloud's
observe package defines, including ones checked inside text (an AWS policy document).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re
from pathlib import Path
from typing import Any

from infra.registry import part
from infra.shapes import Layout, Shape

# Modules of observe/ that read no snapshot key: the reader, the shapes themselves, check ids, and
# the flow-log parsers (they read log records, each refused on its own as a counted bad record).
NOT_READERS = {"collect", "shapes", "shape_values", "policy_shape", "checks", "__init__",
               "flowlogs", "flowlog_lines", "flowlog_entries", "flowlog_blobs"}
READ = re.compile(r"""\.get\(\s*["']([A-Za-z]\w*)["']|\[\s*["']([A-Za-z]\w*)["']\s*\]"""
                  r"""|["']([A-Za-z]\w*)["'] in \w+\b(?![.(\[])""")  # not `"aws" in model.placement(s)`


@functools.cache
def keys_read(cloud: str) -> dict[str, set[str]]:
    """Key -> the modules of the cloud's observe package that read it."""
    folder = Path(part(cloud, "observe").__file__).parent
    found: dict[str, set[str]] = {}
    for source in sorted(folder.glob("*.py")):
        if source.stem in NOT_READERS:
            continue
        for match in READ.finditer(source.read_text(encoding="utf-8")):
            found.setdefault(next(g for g in match.groups() if g), set()).add(source.name)
    return found


def shapes_in(annotation: Any) -> list[type[Shape]]:
    """The shape classes an annotation names: `list[Peering] | None` -> [Peering]."""
    args = getattr(annotation, "__args__", None)
    if args is None:
        return [annotation] if isinstance(annotation, type) and issubclass(annotation, Shape) else []
    return [t for arg in args for t in shapes_in(arg)]


def layout_keys(layout: Layout) -> set[str]:
    """Every field name of every shape the layout's files use, however deep."""
    found: set[str] = set()
    todo: list[type[Shape]] = [f.model for f in layout.files]
    seen: set[type[Shape]] = set()
    while todo:
        model = todo.pop()
        if model not in seen:
            seen.add(model)
            found.update(model.model_fields)
            todo += [t for field in model.model_fields.values() for t in shapes_in(field.annotation)]
    return found


def declared_keys(cloud: str) -> set[str]:
    """Every field of every Shape defined in the cloud's observe package (embedded ones too)."""
    package = part(cloud, "observe")
    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")
    found: set[str] = set()
    todo: list[type[Shape]] = list(Shape.__subclasses__())
    while todo:
        model = todo.pop()
        todo += model.__subclasses__()
        if model.__module__.startswith(package.__name__ + "."):
            found.update(model.model_fields)
    return found
