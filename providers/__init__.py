"""Cloud providers. Each folder has the same file names (docs/contracts.md)."""
