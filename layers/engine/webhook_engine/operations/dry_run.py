"""Dry runs (`POST /test`): a sample request against stored or draft scripts, storing nothing."""

from __future__ import annotations

from functools import partial

from webhook_engine.config.document import ConfigDocument
from webhook_engine.config.rules import check_script
from webhook_engine.config.snapshot import RuntimeConfig, resolve_props
from webhook_engine.domain.ids import new_id
from webhook_engine.domain.models import Function, IncomingRequest, Provider
from webhook_engine.domain.ports import ConfigStore, SecretStore
from webhook_engine.pipeline.matching import Limits, Result, process_request

DRY_RUN_ID = "dry-run"


def dry_run(
    request: IncomingRequest,
    draft: ConfigDocument | None,
    store: ConfigStore,
    secrets: SecretStore,
    limits: Limits,
) -> Result:
    """Match and run `request` as processing would, against `draft` or the stored scripts."""
    stored = store.list_providers()
    if draft is None:
        runtime = RuntimeConfig.build(stored, store.list_functions())
    else:
        runtime = _draft(draft, stored)
    props = partial(resolve_props, secrets=secrets)
    return process_request(request, DRY_RUN_ID, 1, runtime, props, limits)


def _draft(document: ConfigDocument, stored: list[Provider]) -> RuntimeConfig:
    """Draft providers reuse stored ids by name, so stored secrets fill secret values left out."""
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
