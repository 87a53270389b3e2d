"""``build_app(spec)``: instantiate every stack the spec asks for, passing values between them."""

from __future__ import annotations

from cdktf import App

from spec import FederationSpec


def build_app(spec: FederationSpec, outdir: str = "cdktf.out", stack_filter=None) -> App:
    """The cdktf App for ``spec``. Each cloud's stack modules (and so its provider package) are
    imported only when the spec has that cloud's section.

    ``stack_filter`` is reserved for selecting stacks (``synth --stacks``); ``None`` builds all.
    """
    app = App(outdir=outdir, stack_traces=False)
    common = {"federation": spec.federation, "state": spec.state}
    if spec.aws:
        from stacks.aws_region import AwsRegionStack

        dx_gateway_id = None
        if spec.aws.direct_connect:
            from stacks.aws_direct_connect import AwsDirectConnectStack

            dx_gateway_id = AwsDirectConnectStack(app, aws=spec.aws, **common).direct_connect.gateway_id
        # Spec order decides peering direction: each region peers with (and depends on) the earlier
        # ones only, so the stack graph has no cycles.
        region_stacks: list[AwsRegionStack] = []
        for region in spec.aws.regions:
            region_stacks.append(
                AwsRegionStack(
                    app,
                    region=region,
                    aws=spec.aws,
                    peers=tuple(region_stacks) if spec.aws.transit_gateway else (),
                    dx_gateway_id=dx_gateway_id,
                    **common,
                )
            )
    return app
