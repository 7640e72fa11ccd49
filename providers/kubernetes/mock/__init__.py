"""The mocked cluster for `bulkhead simulate` and tests: a CloudPlan enters, deployed by the real stack
program under Pulumi's mock runtime into a loopback fake of the Kubernetes API's list endpoints; a
source observe/collect reads leaves."""

from infra.registry import lazy_exports

__getattr__ = lazy_exports(__name__, {"MockedCloud": "cloud"}, extra="kubernetes")
