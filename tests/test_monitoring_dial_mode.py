"""The primary aggregator's alarm says what its loss means for the SuperNodes, by what they dial:
with a delegated zone they dial the failover name and follow Route 53 to the secondary (ALARM =
failed over, OK = failed back); by default they dial the primary's IP (``test_monitoring.py``)."""

from __future__ import annotations

from pathlib import Path

import yaml

from federation_spec import parse_spec
from fedinfra.synth import synthesize
from tests.synth_helpers import Synthesized

ROOT = Path(__file__).resolve().parent.parent
AWS = "monitoring-aws"


def test_with_a_delegated_zone_the_primary_alarm_is_the_failover_signal(tmp_path):
    spec = yaml.safe_load((ROOT / "federation.yaml").read_text())
    spec["dns"]["delegated"] = True
    parsed = parse_spec(yaml.safe_dump(spec, sort_keys=False), "test.yaml")
    assert parsed.supernode_dial_name == parsed.dns.fqdn
    out = tmp_path / "cdktf.out"
    synth = Synthesized(synthesize(parsed, out, stacks=[AWS], root=tmp_path))
    alarms = synth.resources(AWS, "aws_cloudwatch_metric_alarm").values()
    prefix = f"{parsed.federation.name}-{parsed.federation.environment}"
    primary = next(a for a in alarms if a["alarm_name"] == f"{prefix}-fl-us-aggregator-unreachable")
    assert f"answers {parsed.dns.fqdn} with the secondary and the SuperNodes follow" in primary["alarm_description"]
    assert "failed back" in primary["alarm_description"]
    assert "do not fail over" not in primary["alarm_description"]
    secondary = next(a for a in alarms if a["alarm_name"] == f"{prefix}-fl-eu-aggregator-unreachable")
    assert "failed over" not in secondary["alarm_description"]
