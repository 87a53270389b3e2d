"""Reusable cdktf constructs, grouped by cloud. They never read the federation spec: they take
typed props, apply secure defaults, and expose typed attributes for other constructs and stacks."""
