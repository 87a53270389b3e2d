"""``build_app(spec)``: instantiate every stack the spec asks for, passing values between them."""

from __future__ import annotations

from cdktf import App, TerraformStack

from policy import apply_policies
from spec import FederationSpec
from spec.federation import RESERVED_TAG_KEYS as REQUIRED_TAG_KEYS


def build_app(spec: FederationSpec, outdir: str = "cdktf.out", stack_filter=None) -> App:
    """The cdktf App for ``spec``. Each cloud's stack modules (and so its provider package) are
    imported only when the spec has that cloud's section.

    ``stack_filter`` is reserved for selecting stacks (``synth --stacks``); ``None`` builds all.
    """
    app = App(outdir=outdir, stack_traces=False)
    common = {"federation": spec.federation, "state": spec.state}
    if spec.aws:
        from stacks.aws_region import AwsRegionStack

        for region in spec.aws.regions:
            AwsRegionStack(app, region=region, aws=spec.aws, **common)
    for stack in app.node.children:
        if isinstance(stack, TerraformStack):
            apply_policies(stack, frozenset(REQUIRED_TAG_KEYS))
    return app
