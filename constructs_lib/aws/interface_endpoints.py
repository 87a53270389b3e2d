"""Interface VPC endpoints for the AWS APIs a workload in a VPC without internet needs (ECR, logs,
Secrets Manager, ...), with private DNS so the SDKs' default hostnames resolve to them, behind a
security group that admits HTTPS only from the client security groups ``admit`` names."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_endpoint import VpcEndpoint
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from constructs_lib.aws.context import AwsContext
from constructs_lib.iam_json import policy_document

HTTPS_PORT = 443


@dataclass(frozen=True)
class InterfaceEndpointsProps:
    """``name`` prefixes tags and the security group; ``services`` are endpoint service suffixes
    (``ecr.api``, ``ecr.dkr``, ``logs``, ``secretsmanager``, ...), unique, at least one."""

    name: str
    services: tuple[str, ...]

    def __post_init__(self):
        if not self.services or len(set(self.services)) != len(self.services):
            raise ValueError("InterfaceEndpointsProps.services must name at least one service, each once")


class InterfaceEndpoints(Construct):
    """One interface endpoint per service in ``subnet_ids``, private DNS on. Each endpoint's policy
    admits only principals of this account (stolen credentials of another account cannot use the
    site's endpoints to exfiltrate). ``security_group`` admits TCP 443 only from the security groups
    passed to ``admit`` and has no egress rule (endpoints answer; they never initiate)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc_id: str,
        subnet_ids: list[str],
        context: AwsContext,
        props: InterfaceEndpointsProps,
    ):
        super().__init__(scope, construct_id)
        self.security_group = SecurityGroup(
            self,
            "sg",
            name_prefix=f"{props.name}-endpoints-",
            description=f"HTTPS to the {props.name} interface endpoints from its workloads only",
            vpc_id=vpc_id,
            egress=[],
            tags={"Name": f"{props.name}-endpoints"},
        )
        policy = policy_document(
            {
                "Sid": "OnlyThisAccount",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "*",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalAccount": context.account_id}},
            }
        )
        self.endpoints = {
            service: VpcEndpoint(
                self,
                f"endpoint_{service.replace('.', '_')}",
                vpc_id=vpc_id,
                service_name=f"com.amazonaws.{context.region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=subnet_ids,
                security_group_ids=[self.security_group.id],
                policy=policy,
                tags={"Name": f"{props.name}-{service}"},
            )
            for service in props.services
        }

    @property
    def security_group_id(self) -> str:
        return self.security_group.id

    def admit(self, client_security_group_id: str, key: str) -> None:
        """Let the workloads of ``client_security_group_id`` reach every endpoint on TCP 443."""
        VpcSecurityGroupIngressRule(
            self,
            f"https_from_{key}",
            security_group_id=self.security_group.id,
            description=f"HTTPS from {key}",
            ip_protocol="tcp",
            from_port=HTTPS_PORT,
            to_port=HTTPS_PORT,
            referenced_security_group_id=client_security_group_id,
        )
