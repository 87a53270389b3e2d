"""The shared provider plugin cache: without it each of the estate's stacks downloads its
providers again (the AWS, Google and Azure providers are hundreds of MB each)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from fedinfra.preflight.core import Environment, Finding, note
from stacks.plan import plan_stacks

CACHE_ENV = "TF_PLUGIN_CACHE_DIR"
BREAK_LOCK_ENV = "TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE"
DEFAULT_CACHE = "$HOME/.terraform.d/plugin-cache"
_CLI_CONFIG_SETTING = re.compile(r"^\s*plugin_cache_dir\s*=", re.MULTILINE)


def _cli_config_path(env: Environment) -> str:
    return env.variables.get("TF_CLI_CONFIG_FILE") or "~/.terraformrc"


def check_plugin_cache(spec, env: Environment) -> Iterator[Finding]:
    count = len(plan_stacks(spec))
    directory = env.variables.get(CACHE_ENV) or None
    if directory is None:
        config = env.read_text(_cli_config_path(env)) or ""
        if not _CLI_CONFIG_SETTING.search(config):
            yield note(
                CACHE_ENV,
                f"unset: each of the {count} stacks downloads its providers again; deploy with "
                f'`make deploy` (sets it), or: export {CACHE_ENV}={DEFAULT_CACHE} && mkdir -p "${CACHE_ENV}"',
            )
    elif not env.is_dir(directory):
        yield note(CACHE_ENV, f"{directory} does not exist and Terraform does not create it: mkdir -p {directory}")
    if env.variables.get(BREAK_LOCK_ENV, "") not in {"", "0"}:  # Terraform's reading of it
        yield note(
            BREAK_LOCK_ENV,
            "set: Terraform then records lock-file checksums from the cache (this platform only) instead "
            "of the registry's; unset it (make deploy keeps every stack on providers.lock.hcl)",
        )
