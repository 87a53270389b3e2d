"""Which stacks a spec produces, what each needs, and in what order: computed from the spec
alone, without importing cdktf or any provider, so a selection (``synth --stacks 'aws-*'``) knows
which stack modules, and so which provider packages, it needs before loading any of them."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from spec import FederationSpec


@dataclass(frozen=True)
class StackPlan:
    """One stack to build: its name, the builder module (``stacks.<module>``), the key its builder
    uses to find its part of the spec, the provider packages it loads, and the stacks it reads."""

    name: str
    module: str
    key: str
    providers: frozenset[str]
    depends_on: tuple[str, ...] = ()


def plan_stacks(spec: FederationSpec) -> list[StackPlan]:
    """Every stack of ``spec``, producers before consumers."""
    plans: list[StackPlan] = []
    if spec.aws:
        for region in spec.aws.regions:
            plans.append(StackPlan(f"aws-{region.name}", "aws_region", region.name, frozenset({"aws"})))
    return plans


class UnknownStackError(ValueError):
    """A ``--stacks`` pattern matched no stack."""


def select(plans: list[StackPlan], patterns: list[str] | None) -> list[StackPlan]:
    """The stacks matching any glob in ``patterns`` plus everything they depend on, in plan order;
    all stacks when ``patterns`` is empty."""
    if not patterns:
        return plans
    by_name = {plan.name: plan for plan in plans}
    wanted: set[str] = set()
    for pattern in patterns:
        matched = fnmatch.filter(by_name, pattern)
        if not matched:
            raise UnknownStackError(f"--stacks {pattern!r} matches no stack; stacks are: {', '.join(by_name)}")
        wanted.update(matched)
    pending = list(wanted)
    while pending:
        for dependency in by_name[pending.pop()].depends_on:
            if dependency not in wanted:
                wanted.add(dependency)
                pending.append(dependency)
    return [plan for plan in plans if plan.name in wanted]
