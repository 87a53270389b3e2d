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

        for region in spec.aws.regions:
            AwsRegionStack(app, region=region, aws=spec.aws, **common)
    if spec.azure:
        from stacks.azure_data_share import AzureDataShareStack

        AzureDataShareStack(app, azure=spec.azure, **common)
    return app
