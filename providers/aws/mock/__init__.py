"""The mocked AWS for `bulkhead simulate` and tests: a CloudPlan enters, deployed by the real stack
program under Pulumi's mock runtime into moto in-process; a source observe/collect reads leaves."""

from infra.registry import lazy_exports

__getattr__ = lazy_exports(__name__, {"MockedCloud": "cloud", "MockedTraffic": "traffic"}, extra="aws,mock")
