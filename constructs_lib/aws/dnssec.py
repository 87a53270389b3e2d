"""DNSSEC signing for a Route 53 hosted zone: the KMS signing key, the key-signing key (KSK), and
signing turned on once the KSK exists."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from cdktf_cdktf_provider_aws.route53_hosted_zone_dnssec import Route53HostedZoneDnssec
from cdktf_cdktf_provider_aws.route53_key_signing_key import Route53KeySigningKey
from constructs import Construct

from constructs_lib.aws.context import AwsContext
from constructs_lib.aws.kms import account_administers
from constructs_lib.iam_json import policy_document

DNSSEC_REGION = "us-east-1"
"""Route 53 reads KSK keys only from us-east-1."""

DNSSEC_SERVICE = "dnssec-route53.amazonaws.com"
SIGNING_KEY_SPEC = "ECC_NIST_P256"
SIGNING_KEY_ACTIONS = ["kms:DescribeKey", "kms:GetPublicKey", "kms:Sign"]

_KSK_NAME = re.compile(r"^[A-Za-z0-9_]{3,128}$")


@dataclass(frozen=True)
class ZoneSigningProps:
    """``alias`` (without ``alias/``) and ``description`` of the signing key; ``ksk_name`` 3-128
    letters, digits and underscores, unique in the zone; ``deletion_window_days`` 7..30 (default
    30: deleting the key of an active KSK makes the zone fail validation everywhere)."""

    alias: str
    description: str
    ksk_name: str
    deletion_window_days: int = 30

    def __post_init__(self):
        if not _KSK_NAME.match(self.ksk_name):
            raise ValueError("ZoneSigningProps.ksk_name must be 3-128 letters, digits and underscores")
        if not 7 <= self.deletion_window_days <= 30:
            raise ValueError("ZoneSigningProps.deletion_window_days must be between 7 and 30")


def ksk_name_for(prefix: str) -> str:
    """A KSK name from a resource prefix (hyphens are not allowed in KSK names)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", f"{prefix}_ksk")


class ZoneSigning(Construct):
    """Signs ``zone_id`` with a customer-managed asymmetric key (ECC_NIST_P256, SIGN_VERIFY, in
    us-east-1). The key policy lets the account administer the key and lets Route 53 DNSSEC use it
    only for this account's zone ``zone_arn`` (``aws:SourceAccount``/``aws:SourceArn``), and create
    grants only for AWS resources. Give ``ds_record`` to the parent zone to complete the chain of
    trust. Asymmetric keys cannot rotate automatically; rotate the KSK by adding a second one."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        zone_id: str,
        zone_arn: str,
        context: AwsContext,
        props: ZoneSigningProps,
    ):
        super().__init__(scope, construct_id)
        context.require_region(
            DNSSEC_REGION, "ZoneSigning", f"its KMS key in {DNSSEC_REGION} (Route 53 reads KSK keys only there)"
        )
        self.key = KmsKey(
            self,
            "key",
            description=props.description,
            customer_master_key_spec=SIGNING_KEY_SPEC,
            key_usage="SIGN_VERIFY",
            deletion_window_in_days=props.deletion_window_days,
            policy=policy_document(
                account_administers(context),
                {
                    "Sid": "Route53DnssecSignsThisZone",
                    "Effect": "Allow",
                    "Principal": {"Service": DNSSEC_SERVICE},
                    "Action": SIGNING_KEY_ACTIONS,
                    "Resource": "*",
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": context.account_id},
                        "ArnLike": {"aws:SourceArn": zone_arn},
                    },
                },
                {
                    "Sid": "Route53DnssecCreatesGrantsForAwsResources",
                    "Effect": "Allow",
                    "Principal": {"Service": DNSSEC_SERVICE},
                    "Action": "kms:CreateGrant",
                    "Resource": "*",
                    "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
                },
            ),
        )
        KmsAlias(self, "alias", name=f"alias/{props.alias}", target_key_id=self.key.key_id)
        self.ksk = Route53KeySigningKey(
            self,
            "ksk",
            hosted_zone_id=zone_id,
            key_management_service_arn=self.key.arn,
            name=props.ksk_name,
            status="ACTIVE",
        )
        self.signing = Route53HostedZoneDnssec(
            self, "signing", hosted_zone_id=self.ksk.hosted_zone_id, signing_status="SIGNING", depends_on=[self.ksk]
        )

    @property
    def ds_record(self) -> str:
        """The DS record to publish in the parent zone (``<key tag> 13 2 <digest>``)."""
        return self.ksk.ds_record

    @property
    def key_arn(self) -> str:
        return self.key.arn
