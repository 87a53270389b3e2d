"""``build_app(spec)``: instantiate the stacks the plan lists, passing values between them."""

from __future__ import annotations

import importlib
import os

from cdktf import App

from federation_spec import FederationSpec
from federation_spec.federation import RESERVED_TAG_KEYS
from policy import apply_policies
from policy.first_apply import RESOLVABLE_NAMES_CONTEXT
from stacks.backend import PROJECT_ROOT_CONTEXT
from stacks.plan import plan_stacks, select
from stacks.workload_addressing import names_answering_at_first_apply


def build_app(
    spec: FederationSpec, outdir: str = "cdktf.out", stacks: list[str] | None = None, root: str | None = None
) -> App:
    """The cdktf App for ``spec``, or for the stacks matching the ``stacks`` globs plus their
    dependencies. A stack's module (and so its provider package) is imported only when a selected
    stack needs it. Each stack gets the policy aspects after its own aspects. ``root`` is the
    project root local state is kept under (default: the working directory)."""
    app = App(outdir=outdir, stack_traces=False)
    app.node.set_context(PROJECT_ROOT_CONTEXT, os.path.realpath(root or os.getcwd()))
    app.node.set_context(RESOLVABLE_NAMES_CONTEXT, names_answering_at_first_apply(spec))
    built: dict = {}
    for plan in select(plan_stacks(spec), stacks):
        module = importlib.import_module(f"stacks.{plan.module}")
        stack = module.build(app, spec, plan, built)
        for name in plan.waits_for:
            stack.add_dependency(built[name])
        apply_policies(stack, RESERVED_TAG_KEYS)
        built[plan.name] = stack
    return app
