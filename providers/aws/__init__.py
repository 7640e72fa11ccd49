"""bulkhead's aws provider. Importing this package loads nothing but its registration."""

from infra.registry import ProviderSpec

PROVIDER = ProviderSpec(name="aws", package=__name__)
