"""Cloud providers. Each folder has the same file names (DESIGN.md "Layout")."""
