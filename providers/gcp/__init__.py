"""bulkhead's gcp provider. Importing this package loads nothing but its registration."""

from infra.registry import ProviderSpec

PROVIDER = ProviderSpec(name="gcp", package=__name__)
