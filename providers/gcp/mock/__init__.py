"""The mocked GCP for `bulkhead simulate` and tests: a CloudPlan enters, deployed by the real stack
program under Pulumi's mock runtime into a loopback fake of the Compute API; a source observe/collect reads leaves."""

from infra.registry import lazy_exports

__getattr__ = lazy_exports(__name__, {"MockedCloud": "cloud", "MockedTraffic": "traffic"}, extra="gcp,mock")
