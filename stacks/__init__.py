"""Deployment units: one module per kind of stack; ``build_app(spec)`` wires them into one app.

Importing this package installs the lazy provider import (see ``fedinfra.provider_import``) but
loads nothing heavy: ``build_app`` (and cdktf with it) is imported on first use, so light modules
such as ``stacks.plan`` stay cheap. Stack modules load only for the stacks being built.
"""

from fedinfra.provider_import import install as _install_lazy_provider_import

_install_lazy_provider_import()

__all__ = ["build_app"]


def __getattr__(name: str):
    if name == "build_app":
        from stacks.app import build_app

        return build_app
    raise AttributeError(name)
