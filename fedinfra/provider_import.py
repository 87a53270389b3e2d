"""Import the prebuilt cdktf provider packages without their eager submodule imports.

Each prebuilt provider's ``__init__.py`` ends with one ``from . import <resource>`` line per
resource type (about 2,200 for AWS). Executing them costs ~13 s of the ~18 s an AWS import takes,
for classes this app never uses. The JSII assembly itself is loaded by the package's ``_jsii``
module, which every resource submodule imports on its own, so dropping those lines changes what
Python imports up front, not what the JSII runtime knows or what synth writes. Submodules still
import normally on first use (``from cdktf_cdktf_provider_aws.vpc import Vpc``).

``install()`` puts a finder in front of ``sys.meta_path`` that serves the package ``__init__``
modules listed in ``LAZY_PACKAGES`` with those lines removed. Set ``FEDINFRA_EAGER_PROVIDERS=1``
to turn it off (the benchmark and the equality test compare both ways).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import re
import sys

LAZY_PACKAGES = frozenset(
    {
        "cdktf_cdktf_provider_aws",
        "cdktf_cdktf_provider_azurerm",
        "cdktf_cdktf_provider_google",
        "cdktf_cdktf_provider_kubernetes",
        "cdktf_cdktf_provider_time",
        "cdktf_cdktf_provider_tls",
    }
)
DISABLE_ENV = "FEDINFRA_EAGER_PROVIDERS"

_EAGER_SUBMODULE_IMPORT = re.compile(r"^from \. import [A-Za-z_][A-Za-z0-9_]*[ \t]*$", re.MULTILINE)


class _LazyInitLoader(importlib.machinery.SourceFileLoader):
    """Source loader that compiles the package ``__init__`` without eager submodule imports."""

    def get_code(self, fullname: str):
        source = self.get_data(self.path).decode("utf-8")
        return compile(_EAGER_SUBMODULE_IMPORT.sub("", source), self.path, "exec", dont_inherit=True)


class _LazyProviderFinder(importlib.abc.MetaPathFinder):
    """Finds the provider packages with the normal path finder, then swaps in the lazy loader."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in LAZY_PACKAGES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            return spec
        spec.loader = _LazyInitLoader(fullname, spec.origin)
        return spec


_FINDER = _LazyProviderFinder()


def enabled() -> bool:
    """True unless ``FEDINFRA_EAGER_PROVIDERS`` asks for the stock eager import."""
    return os.environ.get(DISABLE_ENV, "").strip().lower() not in {"1", "true", "yes"}


def install() -> bool:
    """Install the lazy finder once (idempotent). Returns whether it is active."""
    if not enabled():
        return False
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
    return True
