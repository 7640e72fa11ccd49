"""`bulkhead pin`: write each segment's assigned slot into the model file.

Round-trips the YAML with ruamel so comments, key order and flow style survive; only
segments without a `slot:` change, so running it twice changes nothing.
"""

from __future__ import annotations

import io

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap


def pin_slots(text: str, slots: dict[str, int]) -> tuple[str, list[str]]:
    """Return the new text and the names of the segments that were pinned."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap the user's long lines
    doc = yaml.load(text)
    pinned: list[str] = []
    for name, segment in doc["segments"].items():
        if segment is None:
            segment = CommentedMap()
            segment.fa.set_flow_style()
            doc["segments"][name] = segment
        if "slot" not in segment:
            segment["slot"] = slots[name]
            pinned.append(name)
    if not pinned:
        return text, []
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue(), pinned
