"""Evaluate the log filters the estate synthesizes against log lines, offline.

Only the subset of each syntax that the estate uses is implemented; anything else raises
``Unsupported`` so a filter that grows beyond it cannot pass silently.

CloudWatch Logs filter patterns (unstructured log events,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html):
  - a pattern is a space-separated list of terms; a term is a double-quoted phrase or a bare
    alphanumeric word, optionally prefixed with ``?``;
  - when every term has ``?``, an event matches if it contains ANY term; when none has, it must
    contain EVERY term; matching is a case-sensitive substring match.
  (``-`` exclusions, JSON ``{ $.x = ... }`` and space-delimited ``[a, b]`` patterns: unsupported.)

Cloud Logging query language (https://cloud.google.com/logging/docs/view/logging-query-language):
  - comparisons ``field = "value"`` (equal, case-insensitive for strings), ``field : "value"``
    (has: case-insensitive substring), and ``field = ("a" OR "b")`` / ``field : ("a" OR "b")``;
  - ``AND``, ``OR`` (which binds tighter than ``AND``, as the language defines), ``NOT`` and
    parentheses; fields are dotted paths into the log entry (``resource.labels.namespace_name``,
    ``textPayload``, ``jsonPayload.reason``); a missing field never matches.
  (regular expressions ``=~``, comparisons ``<``/``>``, functions and bare global terms: unsupported.)
"""

from __future__ import annotations

import re


class Unsupported(ValueError):
    """The filter uses syntax outside the implemented subset."""


# --- CloudWatch ----------------------------------------------------------------------------

_CW_TERM = re.compile(r'\s*(\??)(?:"((?:[^"\\]|\\.)*)"|([A-Za-z0-9_]+))(?=\s|$)')


def cloudwatch_matches(pattern: str, line: str) -> bool:
    """Whether the unstructured log event ``line`` matches the CloudWatch filter ``pattern``."""
    terms, pos = [], 0
    while pos < len(pattern.rstrip()):
        match = _CW_TERM.match(pattern, pos)
        if not match:
            raise Unsupported(f"CloudWatch pattern beyond the subset at {pattern[pos:]!r}")
        terms.append((match.group(1) == "?", match.group(2) if match.group(2) is not None else match.group(3)))
        pos = match.end()
    optional = {flag for flag, _ in terms}
    if len(optional) != 1:
        raise Unsupported("mixing ?-terms and plain terms is outside the subset")
    texts = [text.replace('\\"', '"') for _, text in terms]
    return any(t in line for t in texts) if optional == {True} else all(t in line for t in texts)


# --- Cloud Logging -------------------------------------------------------------------------

_LQL_TOKEN = re.compile(r'\s*(?:(\()|(\))|(AND|OR|NOT)\b|("(?:[^"\\]|\\.)*")|([A-Za-z_][\w.]*)|(=|:))')


def _tokens(query: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    query = query.strip()
    while pos < len(query):
        match = _LQL_TOKEN.match(query, pos)
        if not match:
            raise Unsupported(f"Cloud Logging query beyond the subset at {query[pos:]!r}")
        kinds = ("(", ")", "op", "str", "field", "cmp")
        for kind, value in zip(kinds, match.groups(), strict=True):
            if value is not None:
                tokens.append((kind, value))
        pos = match.end()
        while pos < len(query) and query[pos].isspace():
            pos += 1
    return tokens


class _Parser:
    def __init__(self, query: str):
        self.tokens = _tokens(query)
        self.i = 0

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None)

    def take(self, kind, value=None):
        token = self.peek()
        if token[0] != kind or (value is not None and token[1] != value):
            raise Unsupported(f"expected {value or kind}, got {token}")
        self.i += 1
        return token[1]

    def parse(self):
        node = self.conjunction()
        if self.i != len(self.tokens):
            raise Unsupported(f"trailing tokens {self.tokens[self.i :]}")
        return node

    def conjunction(self):
        nodes = [self.disjunction()]
        while self.peek() == ("op", "AND"):
            self.take("op", "AND")
            nodes.append(self.disjunction())
        return ("and", nodes)

    def disjunction(self):
        nodes = [self.unary()]
        while self.peek() == ("op", "OR"):
            self.take("op", "OR")
            nodes.append(self.unary())
        return ("or", nodes)

    def unary(self):
        if self.peek() == ("op", "NOT"):
            self.take("op", "NOT")
            return ("not", self.unary())
        if self.peek()[0] == "(":
            self.take("(")
            node = self.conjunction()
            self.take(")")
            return node
        field = self.take("field")
        operator = self.take("cmp")
        if self.peek()[0] == "(":
            self.take("(")
            values = [self.string()]
            while self.peek() == ("op", "OR"):
                self.take("op", "OR")
                values.append(self.string())
            self.take(")")
        else:
            values = [self.string()]
        return ("cmp", field, operator, values)

    def string(self) -> str:
        return self.take("str")[1:-1].replace('\\"', '"')


def _field(entry: dict, path: str):
    value = entry
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _evaluate(node, entry: dict) -> bool:
    kind = node[0]
    if kind == "and":
        return all(_evaluate(n, entry) for n in node[1])
    if kind == "or":
        return any(_evaluate(n, entry) for n in node[1])
    if kind == "not":
        return not _evaluate(node[1], entry)
    _, field, operator, values = node
    actual = _field(entry, field)
    if not isinstance(actual, str):
        return False
    actual = actual.lower()
    if operator == "=":
        return any(actual == v.lower() for v in values)
    return any(v.lower() in actual for v in values)


def logging_matches(query: str, entry: dict) -> bool:
    """Whether the log ``entry`` (a LogEntry-shaped dict) matches the Cloud Logging ``query``."""
    return _evaluate(_Parser(query).parse(), entry)


def gke_container_entry(line: str, *, namespace: str, container: str, cluster: str = "c") -> dict:
    """A line a GKE container printed, as Cloud Logging stores it (plain text: ``textPayload``)."""
    return {
        "resource": {
            "type": "k8s_container",
            "labels": {"namespace_name": namespace, "container_name": container, "cluster_name": cluster},
        },
        "textPayload": line,
    }
