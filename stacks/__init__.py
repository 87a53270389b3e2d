"""Deployment units: one module per kind of stack; ``build_app(spec)`` wires them into one app.

Importing this package installs the lazy provider import (see ``fedinfra.provider_import``);
stack modules are imported only when the spec uses their cloud.
"""

from fedinfra.provider_import import install as _install_lazy_provider_import

_install_lazy_provider_import()

from stacks.app import build_app  # noqa: E402

__all__ = ["build_app"]
