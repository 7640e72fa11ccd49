"""GCP resource names: RFC 1035 labels of at most 63 characters (service accounts: 6-30).

Pure string functions of the builder. The verifier reads the labels written into the cloud
(subnet descriptions) with its own reader, providers/gcp/observe/labels.py.
"""

from __future__ import annotations

import hashlib
import json
import re

MAX_NAME = 63
MAX_ACCOUNT_ID = 30
MIN_ACCOUNT_ID = 6
HASH_CHARS = 6
_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")

# Subnet descriptions carry the segment identity, because GCP firewall rules and routes
# have no labels (every resource says which model and segment it belongs to: docs/snapshot-formats.md, GCP).
MODEL_KEY = "bulkhead:model"
SEGMENT_KEY = "bulkhead:segment"
ACCOUNT_KEY = "bulkhead:service-account"


def short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:HASH_CHARS]


def fit(name: str, limit: int = MAX_NAME) -> str:
    """`name` if it fits, else a deterministic prefix plus a short hash of the whole name."""
    if len(name) <= limit:
        return name
    head = name[: limit - HASH_CHARS - 1].rstrip("-")
    return f"{head}-{short_hash(name)}"


def is_label(name: str, limit: int = MAX_NAME) -> bool:
    return len(name) <= limit and bool(_LABEL.fullmatch(name))


def account_id(model: str, segment: str) -> str:
    """A service account id (6-30 chars) for a segment's identity."""
    base = fit(f"{model}-{segment}", MAX_ACCOUNT_ID)
    return base if len(base) >= MIN_ACCOUNT_ID else f"{base}-sa"


def account_email(account: str, project: str) -> str:
    return f"{account}@{project}.iam.gserviceaccount.com"


def describe(model: str, segment: str | None = None, **extra: str) -> str:
    """The JSON description bulkhead writes on its resources (sorted keys: stable diffs)."""
    body = {MODEL_KEY: model, **({SEGMENT_KEY: segment} if segment else {}), **extra}
    return json.dumps(body, sort_keys=True, separators=(",", ":"))
