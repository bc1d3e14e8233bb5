"""Dry runs (`POST /test`): a sample request against stored or draft scripts, storing nothing."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import partial

from webhook_engine.actions.calls import Toolkit
from webhook_engine.config.document import ConfigDocument
from webhook_engine.config.rules import check_script
from webhook_engine.config.snapshot import RuntimeConfig, resolve_props
from webhook_engine.domain.ids import new_id
from webhook_engine.domain.models import Function, IncomingRequest, Provider
from webhook_engine.domain.ports import ConfigStore, SecretStore
from webhook_engine.pipeline.matching import Limits, Result, process_request

DRY_RUN_ID = "dry-run"


class _NoSecrets:
    """The secret store of a draft that does not inherit: it holds nothing."""

    def get_secrets(self, provider_id: str) -> Mapping[str, str]:
        return {}

    def put_secret(self, provider_id: str, name: str, value: str) -> None:
        raise NotImplementedError("a dry run stores nothing")

    def delete_secret(self, provider_id: str, name: str) -> None:
        raise NotImplementedError("a dry run stores nothing")

    def forget(self) -> None:
        return None


def dry_run(
    request: IncomingRequest,
    draft: ConfigDocument | None,
    store: ConfigStore,
    secrets: SecretStore,
    limits: Limits,
    toolkit: Toolkit,
    inherit_secrets: bool = False,
) -> Result:
    """Match and run `request` as processing would, against `draft` or the stored scripts.

    Functions' `http` and `aws` calls are checked and recorded as "would call", never
    performed; their first `respond` is the answer a waiting sender would get, as recorded
    (secret values masked, the body cut to 8 KiB).
    A draft's secret properties without a value stay empty, unless `inherit_secrets`: then the
    stored provider of the same name lends its stored values (the caller records who asked).
    """
    stored = store.list_providers()
    if draft is None:
        runtime = RuntimeConfig.build(stored, store.list_functions())
    else:
        runtime = _draft(draft, stored)
    lender = secrets if draft is None or inherit_secrets else _NoSecrets()
    props = partial(resolve_props, secrets=lender)
    describe_only = dataclasses.replace(toolkit, dry_run=True)
    result = process_request(
        request, DRY_RUN_ID, 1, runtime, props, limits, toolkit=describe_only, waiting=True
    )
    # The answer as its execution recorded it (secrets masked, the body cut), not as a
    # sender would get it: what the admin API shows never holds a secret value.
    result.answer = next((e.response for e in result.executions if e.response), None)
    return result


def secrets_left_out(draft: ConfigDocument) -> list[str]:
    """`provider/NAME` of each secret property the draft gives no value."""
    return [
        f"{spec.name}/{name}"
        for spec in draft.providers
        for name, prop in spec.properties.items()
        if prop.secret and prop.value is None
    ]


def _draft(document: ConfigDocument, stored: list[Provider]) -> RuntimeConfig:
    """Draft providers take stored ids by name, where stored secrets are looked up if lent."""
    ids = {provider.name: provider.id for provider in stored}
    providers, functions = [], []
    for position, spec in enumerate(document.providers):
        check_script(spec.match_script, f"provider {spec.name} match_script")
        provider_id = ids.get(spec.name, new_id())
        providers.append(
            Provider(
                id=provider_id,
                name=spec.name,
                active=spec.active,
                position=position,
                properties=spec.properties,
                match_script=spec.match_script,
            )
        )
        for item in spec.functions:
            check_script(item.script, f"function {item.name} script")
            functions.append(Function(id=new_id(), provider_id=provider_id, **item.model_dump()))
    return RuntimeConfig.build(providers, functions)
