"""The Azure Data Share's first apply: a deliberate wait and invitations that someone must accept."""

from __future__ import annotations

from collections.abc import Iterator

from fedinfra.preflight.core import Environment, Finding, note

ROLE_PROPAGATION_MINUTES = 10
"""The ``time_sleep`` before the datasets are created, while the share identity's role spreads."""


def check_data_share(spec, env: Environment) -> Iterator[Finding]:
    if spec.azure is None:
        return
    share = spec.azure.data_share
    yield note(
        "azure.data_share",
        f"the first apply of azure-data-share pauses {ROLE_PROPAGATION_MINUTES} minutes before creating "
        "the datasets (the share identity's new role must take effect); let it run",
    )
    if share.consumers:
        emails = ", ".join(consumer.email for consumer in share.consumers)
        yield note(
            "azure.data_share.consumers",
            f"invitations go to {emails}; each accepts in the Azure portal (Data Share, received "
            "invitations) and maps the datasets into their own storage account",
        )
    else:
        yield note("azure.data_share.consumers", "no consumers: the share is created but nobody is invited")
