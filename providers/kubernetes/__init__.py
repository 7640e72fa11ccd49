"""bulkhead's kubernetes provider. Importing this package loads nothing but its registration."""

from infra.registry import ProviderSpec

PROVIDER = ProviderSpec(name="kubernetes", package=__name__)
