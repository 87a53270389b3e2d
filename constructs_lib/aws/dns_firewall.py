"""A DNS allow-list for a VPC whose workloads must not leak data: Route 53 Resolver DNS Firewall
answers names of AWS APIs (``amazonaws.com``: the interface and gateway endpoints, EFS mount
targets) and the named ``extra_domains`` (the aggregator's DNS name), and answers every other
query with NODATA.

Routes and security groups cannot stop DNS exfiltration: the VPC resolver (``.2``) is reachable by
every workload and recursively resolves public names, so code could encode data into queries
for a domain whose authoritative server its owner reads. With this rule group such queries never
leave the resolver. Firewall names need not be unique; they are fixed here and the federation's
default tags identify them.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.route53_resolver_firewall_domain_list import Route53ResolverFirewallDomainList
from cdktf_cdktf_provider_aws.route53_resolver_firewall_rule import Route53ResolverFirewallRule
from cdktf_cdktf_provider_aws.route53_resolver_firewall_rule_group import Route53ResolverFirewallRuleGroup
from cdktf_cdktf_provider_aws.route53_resolver_firewall_rule_group_association import (
    Route53ResolverFirewallRuleGroupAssociation,
)
from constructs import Construct

AWS_API_DOMAINS = ("amazonaws.com.", "*.amazonaws.com.")
"""AWS service endpoints (regional API names resolve to the VPC's interface endpoints)."""


@dataclass(frozen=True)
class DnsAllowListProps:
    """``extra_domains``: further names to answer (e.g. the aggregator's, ``fl.example.com``)."""

    extra_domains: tuple[str, ...] = ()


def _fqdn(name: str) -> str:
    return name if name.endswith(".") else f"{name}."


class DnsAllowList(Construct):
    """Rule group (allow AWS APIs and ``extra_domains``, then block ``*``) associated with
    ``vpc_id``. The VPC's firewall config keeps its default, fail-closed (``FirewallFailOpen``
    disabled): a query DNS Firewall cannot evaluate is blocked, not let through."""

    def __init__(self, scope: Construct, construct_id: str, *, vpc_id: str, props: DnsAllowListProps):
        super().__init__(scope, construct_id)
        group = Route53ResolverFirewallRuleGroup(self, "group", name="site-dns-allow-list")
        allowed = (*AWS_API_DOMAINS, *(_fqdn(d) for d in props.extra_domains))
        allow = Route53ResolverFirewallDomainList(self, "allowed", name="site-allowed-names", domains=list(allowed))
        everything = Route53ResolverFirewallDomainList(self, "everything", name="site-all-names", domains=["*"])
        self.rules = [
            Route53ResolverFirewallRule(
                self,
                "allow_listed",
                name="allow-listed-names",
                action="ALLOW",
                firewall_domain_list_id=allow.id,
                firewall_rule_group_id=group.id,
                priority=100,
                # AWS names answer through CNAMEs inside AWS (e.g. S3's regional aliases)
                firewall_domain_redirection_action="TRUST_REDIRECTION_DOMAIN",
            ),
            Route53ResolverFirewallRule(
                self,
                "block_rest",
                name="block-every-other-name",
                action="BLOCK",
                block_response="NODATA",
                firewall_domain_list_id=everything.id,
                firewall_rule_group_id=group.id,
                priority=200,
            ),
        ]
        self.association = Route53ResolverFirewallRuleGroupAssociation(
            self,
            "association",
            name="site-dns-allow-list",
            firewall_rule_group_id=group.id,
            vpc_id=vpc_id,
            priority=101,
            mutation_protection="DISABLED",
            depends_on=self.rules,
        )
