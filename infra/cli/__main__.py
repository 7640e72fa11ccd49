"""`python -m infra.cli` runs the `bulkhead` command."""

from infra.cli import main

main()
