"""The federation spec: the only layer that reads user input.

``load_spec(path)`` parses ``federation.yaml`` into frozen, typed models and runs every
cross-field rule once; it raises ``SpecError`` carrying one ``SpecIssue`` per problem, each with
the field path. Nothing downstream re-validates.
"""

from federation_spec.errors import SpecError, SpecIssue
from federation_spec.loader import load_spec, parse_spec
from federation_spec.model import FederationSpec

__all__ = ["FederationSpec", "SpecError", "SpecIssue", "load_spec", "parse_spec"]
