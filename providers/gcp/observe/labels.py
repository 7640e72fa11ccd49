"""The labels bulkhead writes into GCP subnet descriptions, read back (pure).

GCP firewall rules and routes have no labels, so the builder writes the segment's identity as
JSON into each subnet's description. The verifier spells the keys itself instead of importing
the builder's names: it reads the cloud's contract, never the builder's code.
"""

from __future__ import annotations

import hashlib
import json

MODEL_KEY = "bulkhead:model"
SEGMENT_KEY = "bulkhead:segment"
ACCOUNT_KEY = "bulkhead:service-account"


def read_description(text: str | None) -> dict[str, str]:
    """The labels in a description, or {} when it is not bulkhead's JSON."""
    if not text:
        return {}
    try:
        body = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(body, dict):
        return {}
    return {k: v for k, v in body.items() if isinstance(k, str) and isinstance(v, str)}


def short_id(text: str) -> str:
    """A short stable id for evidence names (a network's route filter)."""
    return hashlib.sha256(text.encode()).hexdigest()[:6]
