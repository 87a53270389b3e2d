"""A Data Share invitation, one per consumer, deployed as an ARM template.

azurerm has no invitation resource, so each invitation is a resource-group template deployment
of ``Microsoft.DataShare/accounts/shares/invitations``. Destroying the deployment deletes the
invitation (with the provider feature ``delete_nested_items_during_deletion``), so removing a
consumer from the spec withdraws a pending invitation; a subscription already accepted has to be
revoked on the share (see the README).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_azurerm.resource_group_template_deployment import ResourceGroupTemplateDeployment
from constructs import Construct

from constructs_lib.azure import arm_template

INVITATION_TYPE = "Microsoft.DataShare/accounts/shares/invitations"
INVITATION_API_VERSION = "2021-08-01"
_NAME = re.compile(r"^[\w-]{2,90}$")
_DEPLOYMENT_NAME = re.compile(r"^[-\w.()]{1,64}$")
_RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


@dataclass(frozen=True)
class InvitationProps:
    """``name`` of the invitation (2-90 letters, digits, ``-``, ``_``; see
    ``naming.invitation_name``), ``email`` the consumer's Azure sign-in address, ``expires`` an
    RFC 3339 UTC timestamp after which it can no longer be accepted (``None``: no expiry), and
    ``deployment_name`` of the ARM deployment (1-64 characters, unique in the resource group)."""

    name: str
    email: str
    deployment_name: str
    expires: str | None = None

    def __post_init__(self):
        if not _NAME.match(self.name):
            raise ValueError(f"InvitationProps.name {self.name!r} must be 2-90 letters, digits, '-' and '_'")
        if not _DEPLOYMENT_NAME.match(self.deployment_name):
            raise ValueError(f"InvitationProps.deployment_name {self.deployment_name!r} is not a deployment name")
        if "@" not in self.email:
            raise ValueError("InvitationProps.email must be an e-mail address")
        if self.expires is not None and not _RFC3339_UTC.match(self.expires):
            raise ValueError("InvitationProps.expires must be RFC 3339 in UTC, e.g. 2027-06-30T23:59:59Z")


def invitation_template(*, with_expiry: bool) -> dict:
    """The ARM template of one invitation; it outputs the invitation's resource ID."""
    parameters = {name: {"type": "string"} for name in ("accountName", "shareName", "invitationName", "targetEmail")}
    properties = {"targetEmail": arm_template.parameter("targetEmail")}
    if with_expiry:
        parameters["expirationDate"] = {"type": "string"}
        properties["expirationDate"] = arm_template.parameter("expirationDate")
    segments = "parameters('accountName'), parameters('shareName'), parameters('invitationName')"
    return arm_template.template(
        parameters=parameters,
        resources=[
            {
                "type": INVITATION_TYPE,
                "apiVersion": INVITATION_API_VERSION,
                "name": f"[format('{{0}}/{{1}}/{{2}}', {segments})]",
                "properties": properties,
            }
        ],
        outputs={"invitationId": {"type": "string", "value": f"[resourceId('{INVITATION_TYPE}', {segments})]"}},
    )


class ShareInvitation(Construct):
    """Invites ``props.email`` to the share ``share_name`` of account ``account_name``.
    ``depends_on`` (e.g. the share's datasets) makes the invitation go out only once the share
    is complete, so a consumer never accepts an empty share."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        resource_group_name: str,
        account_name: str,
        share_name: str,
        props: InvitationProps,
        depends_on: Sequence[ITerraformDependable] = (),
    ):
        super().__init__(scope, construct_id)
        self.props = props
        values = {
            "accountName": account_name,
            "shareName": share_name,
            "invitationName": props.name,
            "targetEmail": props.email,
        }
        if props.expires is not None:
            values["expirationDate"] = props.expires
        self.deployment = ResourceGroupTemplateDeployment(
            self,
            "deployment",
            name=props.deployment_name,
            resource_group_name=resource_group_name,
            deployment_mode="Incremental",
            template_content=arm_template.render(invitation_template(with_expiry=props.expires is not None)),
            parameters_content=arm_template.render(arm_template.parameter_values(values)),
            depends_on=list(depends_on) or None,
        )

    @property
    def name(self) -> str:
        return self.props.name
