"""Flow logs on a cluster: none read (`bulkhead observe --cloud kubernetes` says so and stops).

Kubernetes has no flow log of its own: what a cluster records about connections depends on
its network plugin (Cilium's Hubble, Calico's flow logs, Antrea's flow exporter, ...), each in
its own format and none of them standard. The policies are proven instead (`verify`); the
traffic a cluster sends through its cloud network shows in that cloud's flow logs.
"""

NO_FLOW_LOGS = ("a cluster has no standard flow log (its network plugin's own, such as Cilium Hubble or Calico "
                "flow logs, are not read); prove the NetworkPolicies with `bulkhead verify --cloud kubernetes`, and "
                "observe the cloud network the cluster runs in with --cloud aws, gcp or azure")
