"""bulkhead's azure provider. Importing this package loads nothing but its registration."""

from infra.registry import ProviderSpec

PROVIDER = ProviderSpec(name="azure", package=__name__)
