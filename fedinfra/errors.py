"""Error types the command line reports as one line with exit code 2.

Kept apart from ``fedinfra.cli`` (which reports them) and ``fedinfra.commands`` (which raises
them) so the imports run one way: cli -> commands -> errors.
"""

from __future__ import annotations


class UsageError(Exception):
    """A request the command line cannot satisfy (bad --stacks glob, no Graphviz): exit 2."""
