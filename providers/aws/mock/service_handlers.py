"""Mock handlers for endpoints, flow logs and their destinations (CloudWatch Logs, IAM, S3).

Same contract as providers/aws/mock/network_handlers.py: one function per type token, returning
`(id, state)` with the outputs consumers read.
"""

from __future__ import annotations

from typing import Any

from providers.aws.mock.network_handlers import Clients, State, autoname, need, tag_spec


def vpc_endpoint(c: Clients, name: str, i: State) -> tuple[str, State]:
    kind = i.get("vpcEndpointType") or "Gateway"
    args: dict[str, Any] = {"VpcEndpointType": kind, "VpcId": need(i, "vpcId"), "ServiceName": need(i, "serviceName"),
                            "TagSpecifications": tag_spec("vpc-endpoint", i)}
    for key, api in (("routeTableIds", "RouteTableIds"), ("subnetIds", "SubnetIds"),
                     ("securityGroupIds", "SecurityGroupIds")):
        if i.get(key):
            args[api] = list(i[key])
    if i.get("policy"):
        args["PolicyDocument"] = i["policy"]
    if kind == "Interface":
        args["PrivateDnsEnabled"] = bool(i.get("privateDnsEnabled", False))
    out = c.ec2.create_vpc_endpoint(**args)["VpcEndpoint"]
    eni_ids = out.get("NetworkInterfaceIds") or []
    if i.get("securityGroupIds"):
        # moto gap: it puts the endpoint's ENIs in the VPC default group; AWS puts them in the
        # endpoint's groups. Match AWS, or the verifier would see a wrong (and too open) path.
        for eni in eni_ids:
            c.ec2.modify_network_interface_attribute(NetworkInterfaceId=eni, Groups=list(i["securityGroupIds"]))
    state = {**i, "vpcEndpointType": kind, "state": out.get("State", "available"), "networkInterfaceIds": eni_ids,
             "dnsEntries": out.get("DnsEntries", []), "ownerId": c.account,
             "arn": f"arn:aws:ec2:{c.region}:{c.account}:vpc-endpoint/{out['VpcEndpointId']}"}
    if kind == "Gateway":
        state.update(_prefix_list(c, i["serviceName"]))
    return out["VpcEndpointId"], state


def _prefix_list(c: Clients, service_name: str) -> State:
    found = c.ec2.describe_managed_prefix_lists(Filters=[{"Name": "prefix-list-name", "Values": [service_name]}])
    if not found["PrefixLists"]:
        return {}
    pl = found["PrefixLists"][0]["PrefixListId"]
    entries = c.ec2.get_managed_prefix_list_entries(PrefixListId=pl)["Entries"]
    return {"prefixListId": pl, "cidrBlocks": [e["Cidr"] for e in entries]}


def flow_log(c: Clients, name: str, i: State) -> tuple[str, State]:
    destination_type = i.get("logDestinationType") or "cloud-watch-logs"
    args: dict[str, Any] = {"ResourceType": "VPC", "ResourceIds": [need(i, "vpcId")],
                            "TrafficType": need(i, "trafficType"), "LogDestinationType": destination_type,
                            "LogDestination": need(i, "logDestination"),
                            "MaxAggregationInterval": int(i.get("maxAggregationInterval", 600)),
                            "TagSpecifications": tag_spec("vpc-flow-log", i)}
    if i.get("iamRoleArn"):
        args["DeliverLogsPermissionArn"] = i["iamRoleArn"]
    if destination_type == "cloud-watch-logs":
        # moto gap: given only the log group's ARN (what the provider sends) it cannot find the
        # group and reports DeliverLogsStatus FAILED; AWS resolves the ARN. Name it too.
        args["LogGroupName"] = args["LogDestination"].split(":log-group:", 1)[1].removesuffix(":*")
    out = c.ec2.create_flow_logs(**args)
    if out.get("Unsuccessful"):
        raise RuntimeError(f"create_flow_logs failed: {out['Unsuccessful']}")
    fid = out["FlowLogIds"][0]
    return fid, {**i, "arn": f"arn:aws:ec2:{c.region}:{c.account}:vpc-flow-log/{fid}"}


def log_group(c: Clients, name: str, i: State) -> tuple[str, State]:
    group = i.get("name") or autoname(name)
    c.logs.create_log_group(logGroupName=group, tags=i.get("tags") or {})
    if i.get("retentionInDays"):
        c.logs.put_retention_policy(logGroupName=group, retentionInDays=int(i["retentionInDays"]))
    # The provider's arn output has no trailing `:*` (the API's describe output has one).
    return group, {**i, "name": group, "arn": f"arn:aws:logs:{c.region}:{c.account}:log-group:{group}"}


def role(c: Clients, name: str, i: State) -> tuple[str, State]:
    role_name = i.get("name") or autoname(name)
    tags = [{"Key": k, "Value": v} for k, v in sorted((i.get("tags") or {}).items())]
    out = c.iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=need(i, "assumeRolePolicy"),
                            Path=i.get("path", "/"), Tags=tags)["Role"]
    return role_name, {**i, "name": role_name, "arn": out["Arn"], "uniqueId": out["RoleId"]}


def role_policy(c: Clients, name: str, i: State) -> tuple[str, State]:
    policy_name = i.get("name") or autoname(name)
    role_name = need(i, "role")
    c.iam.put_role_policy(RoleName=role_name, PolicyName=policy_name, PolicyDocument=need(i, "policy"))
    return f"{role_name}:{policy_name}", {**i, "name": policy_name}


def bucket(c: Clients, name: str, i: State) -> tuple[str, State]:
    bucket_name = i.get("bucket") or autoname(name).lower()
    args: dict[str, Any] = {"Bucket": bucket_name}
    if c.region != "us-east-1":
        args["CreateBucketConfiguration"] = {"LocationConstraint": c.region}
    c.s3.create_bucket(**args)
    if i.get("tags"):
        c.s3.put_bucket_tagging(Bucket=bucket_name, Tagging={"TagSet": tag_spec("bucket", i)[0]["Tags"]})
    return bucket_name, {**i, "bucket": bucket_name, "arn": f"arn:aws:s3:::{bucket_name}", "region": c.region}


def bucket_public_access_block(c: Clients, name: str, i: State) -> tuple[str, State]:
    target = need(i, "bucket")
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    c.s3.put_public_access_block(Bucket=target, PublicAccessBlockConfiguration={
        key[0].upper() + key[1:]: bool(i.get(key, False)) for key in flags})
    return target, i
