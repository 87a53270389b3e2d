"""Policy as aspects (cdk-nag style): rules visited over the construct tree that add error
annotations, so a violation fails synth with the construct path in the message.

``apply_policies(stack, required_tags)`` attaches the rules to one stack (cdktf invokes aspects
per stack, so attaching them to the App would do nothing).
"""

from policy.aspect import PolicyAspect, apply_policies
from policy.rules import RULES

__all__ = ["RULES", "PolicyAspect", "apply_policies"]
