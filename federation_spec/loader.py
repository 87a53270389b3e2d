"""Read ``federation.yaml`` into a ``FederationSpec``, turning every failure into ``SpecIssue`` lines."""

from __future__ import annotations

import difflib
import os
import typing
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from federation_spec.errors import SpecError, SpecIssue, format_path
from federation_spec.model import FederationSpec, cross_field_issues

DEFAULT_SPEC = "federation.yaml"
SPEC_ENV = "FEDERATION_SPEC"


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML loader that rejects duplicate keys instead of silently keeping the last one."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def resolve_spec_path(cli_path: str | None) -> Path:
    """``--spec PATH``, else ``$FEDERATION_SPEC``, else ``./federation.yaml``."""
    return Path(cli_path or os.environ.get(SPEC_ENV) or DEFAULT_SPEC)


def load_spec(path: str | os.PathLike) -> FederationSpec:
    """Read and validate the spec file; raises ``SpecError`` naming the file and field paths."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(source, [SpecIssue("", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(source, [SpecIssue("", f"cannot read file: {exc}")]) from None
    return parse_spec(text, source)


def parse_spec(text: str, source: str = DEFAULT_SPEC) -> FederationSpec:
    """Validate spec text; ``source`` is the name used in error lines."""
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(source, [SpecIssue("", f"malformed YAML: {where}{problem}")]) from None
    if data is None:
        raise SpecError(source, [SpecIssue("", "file is empty; expected a mapping with a 'federation' section")])
    if not isinstance(data, dict):
        raise SpecError(source, [SpecIssue("", f"expected a mapping at the top level, got {type(data).__name__}")])
    try:
        spec = FederationSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(source, [_issue_from(error) for error in exc.errors()]) from None
    issues = cross_field_issues(spec)
    if issues:
        raise SpecError(source, issues)
    return spec


def _issue_from(error: dict) -> SpecIssue:
    """Turn one pydantic error into a path and a message a platform engineer can act on."""
    loc, model, allowed = _walk(error["loc"])
    path = format_path(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(error["loc"][-1])
        removed = getattr(model, "REMOVED_KEYS", {})
        if key in removed:
            return SpecIssue(path, removed[key])
        hint = difflib.get_close_matches(key, allowed, n=1)
        suggestion = f"; did you mean {hint[0]!r}?" if hint else f"; expected one of: {', '.join(allowed)}"
        return SpecIssue(path, f"unknown key {key!r}{suggestion}")
    if kind == "missing":
        return SpecIssue(path, "required key is missing")
    message = error["msg"]
    if message.startswith("Value error, "):
        return SpecIssue(path, message.removeprefix("Value error, "))
    message = (message[0].lower() + message[1:]).replace("valid tuple", "list")
    if kind.endswith("_type") or kind.endswith("_parsing"):
        value = error.get("input")
        message += f", got {type(value).__name__} {value!r}"
    return SpecIssue(path, message)


def _models_in(annotation) -> list[type[BaseModel]]:
    """The BaseModel classes an annotation can hold (through Optional, tuple, Annotated, Union)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found = []
    for arg in typing.get_args(annotation):
        found += _models_in(arg)
    return found


def _walk(loc: tuple) -> tuple[tuple, type[BaseModel] | None, list[str]]:
    """Follow ``loc`` through the model classes: the display path (union tags removed), the model
    holding the last key, and that model's allowed keys."""
    model: type[BaseModel] | None = FederationSpec
    shown = []
    parts = list(loc)
    i = 0
    while i < len(parts) - 1 and model is not None:
        part = parts[i]
        shown.append(part)
        if isinstance(part, int) or part not in model.model_fields:
            i += 1
            continue
        candidates = _models_in(model.model_fields[part].annotation)
        if len(candidates) > 1 and i + 1 < len(parts) - 1:
            tag = parts[i + 1]
            tagged = [m for m in candidates if _tag_of(m) == tag]
            if tagged:
                candidates = tagged
                i += 1  # skip the discriminator tag pydantic puts in the location
        model = candidates[0] if len(candidates) == 1 else None
        i += 1
    shown.extend(part for part in parts[i:] if part != "[key]")  # pydantic marks dict-key errors
    allowed = sorted(model.model_fields) if model is not None else []
    return tuple(shown), model, allowed


def _tag_of(model: type[BaseModel]) -> str | None:
    field = model.model_fields.get("backend")
    if field is None:
        return None
    literals = typing.get_args(field.annotation)
    return literals[0] if literals else None
