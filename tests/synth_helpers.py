"""Read synthesized output the way Terraform will: stack JSON, resources by type, outputs, refs."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from federation_spec import parse_spec
from fedinfra.synth import synthesize

REMOTE_STATE = "terraform_remote_state"


@dataclass
class Synthesized:
    """A synthesized output directory with typed accessors for assertions."""

    outdir: Path
    _cache: dict = field(default_factory=dict)

    @property
    def manifest(self) -> dict:
        return json.loads((self.outdir / "manifest.json").read_text())

    def stack_names(self) -> list[str]:
        return sorted(self.manifest["stacks"])

    def stack(self, name: str) -> dict:
        if name not in self._cache:
            path = self.outdir / "stacks" / name / "cdk.tf.json"
            assert path.exists(), f"no stack {name!r}; have {self.stack_names()}"
            self._cache[name] = json.loads(path.read_text())
        return self._cache[name]

    def resources(self, stack: str, rtype: str) -> dict[str, dict]:
        """Logical ID -> configuration of every resource of ``rtype`` in ``stack``."""
        return self.stack(stack).get("resource", {}).get(rtype, {})

    def resource(self, stack: str, rtype: str) -> dict:
        """The single resource of ``rtype`` in ``stack`` (fails if there is not exactly one)."""
        found = self.resources(stack, rtype)
        assert len(found) == 1, f"expected one {rtype} in {stack}, found {sorted(found)}"
        return next(iter(found.values()))

    def data(self, stack: str, dtype: str) -> dict[str, dict]:
        return self.stack(stack).get("data", {}).get(dtype, {})

    def outputs(self, stack: str) -> dict[str, dict]:
        return self.stack(stack).get("output", {})

    def dependencies(self, stack: str) -> list[str]:
        return sorted(self.manifest["stacks"][stack]["dependencies"])

    def all_resources(self, stack: str):
        """(type, logical id, config) for every resource in ``stack``."""
        for rtype, items in self.stack(stack).get("resource", {}).items():
            for logical_id, config in items.items():
                yield rtype, logical_id, config


def ref(rtype: str, logical_id: str, attribute: str = "id") -> str:
    """The interpolation Terraform uses to reference a resource attribute."""
    return f"${{{rtype}.{logical_id}.{attribute}}}"


def refers_to(value, rtype: str, logical_id: str | None = None) -> bool:
    """Whether ``value`` (any JSON) contains an interpolation of a resource of ``rtype``."""
    pattern = re.escape(f"{rtype}.") + (re.escape(logical_id) if logical_id else r"[A-Za-z0-9_\-]+") + r"\b"
    return re.search(r"\$\{[^}]*" + pattern, json.dumps(value)) is not None


def synth_yaml(text: str, outdir: Path) -> Synthesized:
    """Validate ``text`` as a spec and synthesize it into ``outdir`` of a project rooted at its
    parent (as ``cdktf.out`` is), so local state paths do not depend on the test's directory."""
    return Synthesized(synthesize(parse_spec(text, "test.yaml"), outdir, root=Path(outdir).parent))
