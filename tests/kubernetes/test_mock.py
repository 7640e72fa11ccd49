"""The mocked cluster answers like an API server: pages, 404 for a CRD that is not installed,
ints where Pulumi's mock runtime sends floats, and a refusal of objects the client's models reject."""

from __future__ import annotations

import json

import pytest

from providers.kubernetes.mock.cluster import Cluster
from providers.kubernetes.observe import collect
from tests.kubernetes.conftest import Live


def test_lists_page_with_limit_and_continue_as_the_api_does(tamper: Live):
    from kubernetes import client

    api = tamper.cloud.source().client()
    first = client.NetworkingV1Api(api).list_network_policy_for_all_namespaces(limit=3)
    assert len(first.items) == 3 and first.metadata._continue
    rest = client.NetworkingV1Api(api).list_network_policy_for_all_namespaces(limit=500,
                                                                               _continue=first.metadata._continue)
    names = {p.metadata.name for p in first.items + rest.items}
    assert len(names) == len(tamper.cloud.cluster.items("networkpolicies"))


def test_collect_follows_every_page_and_drops_the_continue_token(tamper: Live, monkeypatch):
    import importlib

    module = importlib.import_module("providers.kubernetes.observe.collect")  # the package re-exports the function
    monkeypatch.setattr(module, "PAGE", 2)
    snapshot = collect(tamper.cloud.source())
    document = snapshot["networkpolicies.json"]
    assert len(document["items"]) == len(tamper.cloud.cluster.items("networkpolicies"))
    assert "continue" not in document["metadata"]


def test_a_policy_kind_whose_api_is_not_installed_is_skipped_and_collected_once_it_is(tamper: Live):
    assert "ciliumnetworkpolicies.cilium.io.json" not in collect(tamper.cloud.source())
    tamper.put({"apiVersion": "cilium.io/v2", "kind": "CiliumNetworkPolicy",
                "metadata": {"name": "x", "namespace": "edge"}, "spec": {"endpointSelector": {}}})
    found = collect(tamper.cloud.source())["ciliumnetworkpolicies.cilium.io.json"]
    assert [i["metadata"]["name"] for i in found["items"]] == ["x"]


def test_numbers_from_the_pulumi_mock_runtime_are_stored_as_the_apis_ints(live_cluster: Live):
    policy = live_cluster.cloud.cluster.get("NetworkPolicy", "data", "ai-platform-serving-to-vector-db-ingress")
    ports = policy["spec"]["ingress"][0]["ports"]
    assert ports == [{"protocol": "TCP", "port": 6333, "endPort": 6334}]
    assert all(type(p["port"]) is int for p in ports)
    assert json.dumps(policy).count(".0") == 0


def test_an_object_the_clients_model_rejects_is_not_stored():
    cluster = Cluster()
    with pytest.raises(Exception, match="containers"):
        cluster.put({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}, "spec": {}})
    assert cluster.items("pods") == []


def test_namespaces_get_their_name_label_as_the_api_server_adds_it():
    cluster = Cluster()
    cluster.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}})
    [namespace] = cluster.items("namespaces")
    assert namespace["metadata"]["labels"] == {"kubernetes.io/metadata.name": "team-a"}
