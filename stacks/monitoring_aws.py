"""The stack ``monitoring-aws``: CloudWatch alarms on the aggregators' Route 53 health checks
(us-east-1) and on every AWS member site (in its region), the encrypted SNS topic each alarm
region notifies, and one CloudWatch dashboard.

Its own stack so that the alarms read, but never change, the stacks they watch: the health check
IDs (``dns``) and each member site's ECS cluster, service and log group (``aws-<region>``)
arrive as cross-stack references. One AWS provider serves every region (AWS provider 6 sets
``region`` per resource), so a new member region adds its resources and nothing else changes
except the dashboard.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from constructs import Construct

from constructs_lib.aws.aggregator_alarms import HEALTH_CHECK_REGION, AggregatorAlarms, AggregatorTarget
from constructs_lib.aws.alarm_topic import AlarmTopic, AlarmTopicProps
from constructs_lib.aws.context import AwsContext
from constructs_lib.aws.dashboard import Dashboard, alarm_widget, metric_widget, text_widget
from constructs_lib.aws.site_alarms import CONTAINER_INSIGHTS, SiteAlarmProps, SiteAlarms
from federation_spec.aws_member import member_site_name
from federation_spec.monitoring import sns_topic_region
from stacks.base import FederationStack
from stacks.plan import DNS_STACK, MONITORING_AWS_STACK, aws_member_regions, aws_region_stack_name


def build(app: Construct, spec, plan, built: dict) -> MonitoringAwsStack:
    """Builder used by ``build_app``: the dns stack's health checks and the member regions' services."""
    return MonitoringAwsStack(app, spec=spec, built=built)


def aggregator_detection_seconds(dns) -> int:
    """Worst case from an aggregator's loss to the alarm: the health check's failure threshold
    times its interval, plus the metric's one-minute period and the alarm's next evaluation."""
    check = dns.health_check
    return check.failure_threshold * check.request_interval + 120


def metric_namespace(prefix: str) -> str:
    """Where the member sites' log metric filters write (``Flower/<federation>-<env>``)."""
    return f"Flower/{prefix}"


class MonitoringAwsStack(FederationStack):
    """Exposes ``topics`` (region -> AlarmTopic), ``aggregator_alarms`` and ``site_alarms`` (site -> SiteAlarms)."""

    def __init__(self, scope: Construct, *, spec, built: dict):
        super().__init__(scope, MONITORING_AWS_STACK, federation=spec.federation, state=spec.state)
        monitoring = spec.monitoring
        regions = spec.aws_alarm_regions()
        AwsProvider(self, "aws", region=regions[0], default_tags=[AwsProviderDefaultTags(tags=self.tags)])
        context = AwsContext.lookup(self, regions[0])
        self.topics = {
            region: AlarmTopic(
                self,
                f"topic_{region}",
                context=context,
                props=AlarmTopicProps(
                    name=f"{self.prefix}-alarms-{region}", region=region, emails=tuple(monitoring.emails)
                ),
            )
            for region in regions
        }
        actions = {
            region: [topic.arn, *(arn for arn in monitoring.sns_topic_arns if sns_topic_region(arn) == region)]
            for region, topic in self.topics.items()
        }
        thresholds = monitoring.thresholds
        rows: list[list[dict]] = []

        self.aggregator_alarms = None
        if spec.dns:
            dns_stack = built[DNS_STACK]
            roles = {c.name: c.role for c in spec.gcp.clusters}
            targets = [
                AggregatorTarget(cluster=cluster, role=roles[cluster], health_check_id=check.id)
                for cluster, check in dns_stack.health_checks.items()
            ]
            self.aggregator_alarms = AggregatorAlarms(
                self,
                "aggregators",
                name=self.prefix,
                aggregators=targets,
                actions=actions[HEALTH_CHECK_REGION],
                detection_seconds=aggregator_detection_seconds(spec.dns),
                failover_name=spec.dns.fqdn,
                dial_name=spec.supernode_dial_name,
            )
            alarms = list(self.aggregator_alarms.alarms.values())
            if self.aggregator_alarms.all_down is not None:
                alarms.append(self.aggregator_alarms.all_down)
            rows.append(
                [
                    alarm_widget("Aggregators: alarms", HEALTH_CHECK_REGION, [a.arn for a in alarms]),
                    metric_widget(
                        "Aggregators: Route 53 health (1 up, 0 down)",
                        HEALTH_CHECK_REGION,
                        [
                            [
                                "AWS/Route53",
                                "HealthCheckStatus",
                                "HealthCheckId",
                                t.health_check_id,
                                {"label": t.cluster},
                            ]
                            for t in targets
                        ],
                        stat="Minimum",
                    ),
                ]
            )

        self.site_alarms: dict[str, SiteAlarms] = {}
        namespace = metric_namespace(self.prefix)
        for region in aws_member_regions(spec):
            site = member_site_name(region)
            service = built[aws_region_stack_name(region)].member.service
            alarms = SiteAlarms(
                self,
                f"site_{region}",
                cluster_name=service.cluster.name,
                service_name=service.service.name,
                log_group_name=service.log_group.name,
                actions=actions[region],
                props=SiteAlarmProps(
                    site=site,
                    name=f"{self.prefix}-{site}",
                    region=region,
                    namespace=namespace,
                    window_minutes=thresholds.window_minutes,
                    restarts=thresholds.restarts,
                    flower_errors=thresholds.flower_errors,
                ),
            )
            self.site_alarms[site] = alarms
            dimensions = ["ClusterName", service.cluster.name, "ServiceName", service.service.name]
            rows.append(
                [
                    metric_widget(
                        f"{site}: SuperNode tasks (running vs desired)",
                        region,
                        [
                            [CONTAINER_INSIGHTS, "RunningTaskCount", *dimensions],
                            [CONTAINER_INSIGHTS, "DesiredTaskCount", *dimensions],
                        ],
                        stat="Average",
                    ),
                    metric_widget(
                        f"{site}: Flower refusals, run failures, SuperNode starts and restarts",
                        region,
                        [[namespace, metric] for metric in alarms.metrics.values()],
                    ),
                    alarm_widget(f"{site}: alarms", region, [a.arn for a in alarms.alarms.values()]),
                ]
            )
        rows.insert(
            0,
            [
                text_widget(
                    f"# {self.prefix}: federation on AWS\n"
                    "Aggregators (Route 53 health checks, us-east-1) and AWS member sites (SuperNode on ECS). "
                    "GKE sites are on the Cloud Monitoring dashboard."
                )
            ],
        )
        self.dashboard = Dashboard(self, "dashboard", name=f"{self.prefix}-federation", region=regions[0], rows=rows)
        self.output(
            "alarm_topic_arns",
            {region: topic.arn for region, topic in self.topics.items()},
            "SNS topics the alarms notify, by region (subscribe more endpoints here).",
        )
        self.output("dashboard_name", f"{self.prefix}-federation", f"CloudWatch dashboard (region {regions[0]}).")
