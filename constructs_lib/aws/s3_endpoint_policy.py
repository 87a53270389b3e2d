"""The policy of a site's S3 gateway endpoint: which buckets requests through it may reach.

A gateway endpoint's default policy admits every bucket in the region, including buckets of other
accounts, so anything inside the VPC could copy data out to a bucket its owner controls. This
policy narrows the endpoint to the site's own buckets plus the one AWS-owned bucket the site's
workloads need: Amazon ECR serves image layers from ``prod-<region>-starport-layer-bucket``
through S3, so tasks (e.g. Fargate) that pull images via ECR interface endpoints fetch layers
through this gateway endpoint; without that bucket image pulls fail.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.vpc_endpoint_policy import VpcEndpointPolicy
from constructs import Construct

from constructs_lib.iam_json import policy_document


def ecr_layer_bucket_objects(partition: str, region: str) -> str:
    """Objects of the AWS-owned bucket ECR serves image layers from in ``region``."""
    return f"arn:{partition}:s3:::prod-{region}-starport-layer-bucket/*"


class S3EndpointPolicy(Construct):
    """Attach a policy to ``vpc_endpoint_id`` (an S3 gateway endpoint) admitting every S3 action on
    ``bucket_arns`` (and their objects) and ``s3:GetObject`` on the ECR layer bucket of ``region``;
    everything else through the endpoint is refused. The endpoint only narrows: bucket policies
    and IAM still decide who may do what on the admitted buckets."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc_endpoint_id: str,
        partition: str,
        region: str,
        bucket_arns: tuple[str, ...],
    ):
        super().__init__(scope, construct_id)
        statements = []
        if bucket_arns:
            statements.append(
                {
                    "Sid": "SiteBuckets",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [r for arn in bucket_arns for r in (arn, f"{arn}/*")],
                }
            )
        statements.append(
            {
                "Sid": "EcrImageLayers",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": [ecr_layer_bucket_objects(partition, region)],
            }
        )
        self.policy = VpcEndpointPolicy(
            self, "policy", vpc_endpoint_id=vpc_endpoint_id, policy=policy_document(*statements)
        )
