"""Spec errors: one line per problem, naming the file and the field path."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SpecIssue:
    """One problem in the spec: where (a dotted field path such as ``aws.regions[1].cidr``) and what."""

    path: str
    message: str

    def render(self, source: str) -> str:
        """``<file>: <path>: <message>``, or ``<file>: <message>`` for whole-file problems."""
        return f"{source}: {self.path}: {self.message}" if self.path else f"{source}: {self.message}"


class SpecError(Exception):
    """The spec cannot be used; ``issues`` lists every problem found, ``source`` names the file."""

    def __init__(self, source: str, issues: list[SpecIssue]):
        self.source = source
        self.issues = tuple(issues)
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """Every problem as one printable line."""
        return [issue.render(self.source) for issue in self.issues]


def format_path(loc: tuple) -> str:
    """``('aws', 'regions', 1, 'cidr')`` -> ``aws.regions[1].cidr``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
