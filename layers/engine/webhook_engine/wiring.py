"""The one place that builds adapters from settings, once per container; logic takes them as
arguments (handlers call these factories and pass what they return).

Adapters are imported inside their factories: a function loads only the ones its path uses
(the asynchronous ingest needs neither the configuration table nor SSM nor the sandbox),
which keeps cold starts short.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING

from webhook_engine.adapters import clients
from webhook_engine.domain.audit import AuditLog, PrincipalRoles
from webhook_engine.domain.ports import (
    ConfigStore,
    DeadLetters,
    HttpClient,
    MessageStore,
    Queue,
    SecretStore,
)
from webhook_engine.settings import get_settings

if TYPE_CHECKING:
    from webhook_engine.actions.addresses import AddressPolicy
    from webhook_engine.actions.aws import AwsPerformer
    from webhook_engine.actions.calls import Toolkit
    from webhook_engine.config.snapshot import ConfigCache
    from webhook_engine.pipeline.consumer import Consumer
    from webhook_engine.pipeline.ingest import Ingest
    from webhook_engine.pipeline.processing import Processor
    from webhook_engine.pipeline.sweeper import Sweeper


@cache
def message_store() -> MessageStore:
    from webhook_engine.adapters.messages_table import DynamoMessageStore
    from webhook_engine.adapters.s3 import S3PayloadStore

    settings = get_settings()
    return DynamoMessageStore(
        settings.messages_table,
        S3PayloadStore(settings.payload_bucket),
        inline_limit=settings.inline_body_limit,
        retention_days=settings.message_retention_days,
    )


@cache
def config_store() -> ConfigStore:
    from webhook_engine.adapters.config_table import DynamoConfigStore

    return DynamoConfigStore(get_settings().config_table)


@cache
def secret_store() -> SecretStore:
    from webhook_engine.adapters.ssm import SsmSecretStore

    settings = get_settings()
    return SsmSecretStore(settings.parameter_prefix, max_age=settings.config_cache_seconds)


@cache
def queue() -> Queue:
    from webhook_engine.adapters.sqs import SqsQueue

    return SqsQueue(get_settings().queue_url)


@cache
def dead_letters() -> DeadLetters:
    from webhook_engine.adapters.sqs import SqsDeadLetters

    settings = get_settings()
    return SqsDeadLetters(
        queue_url=settings.queue_url,
        queue_arn=settings.queue_arn,
        dlq_url=settings.dead_letter_queue_url,
        dlq_arn=settings.dead_letter_queue_arn,
    )


@cache
def audit_log() -> AuditLog:
    from webhook_engine.adapters.audit_table import DynamoAuditLog

    settings = get_settings()
    return DynamoAuditLog(settings.audit_table, retention_days=settings.audit_retention_days)


@cache
def principal_roles() -> PrincipalRoles:
    from webhook_engine.adapters.iam import IamPrincipalRoles

    return IamPrincipalRoles(get_settings().account_id)


@cache
def address_policy() -> AddressPolicy:
    """Where scripts' `http` calls may go in this deployment. ValueError when an
    `HTTP_ALLOWED_HOSTS` entry is neither `host` nor `host:port`."""
    from webhook_engine.actions.addresses import AddressPolicy

    return AddressPolicy(get_settings().http_allowed_hosts)


@cache
def http_client() -> HttpClient:
    """The container's outbound HTTP client for scripts; its connection pools are kept warm.
    ValueError as `address_policy`."""
    from webhook_engine.adapters.http_client import UrllibHttpClient

    return UrllibHttpClient(
        address_policy(), max_response_bytes=get_settings().http_max_response_bytes
    )


@cache
def config_cache() -> ConfigCache:
    """The configuration as this container last read it (docs/architecture.md, "Freshness")."""
    from webhook_engine.config.snapshot import ConfigCache

    secrets = secret_store()
    return ConfigCache(config_store(), get_settings().config_cache_seconds, secrets.forget)


def sync_route(uri: str) -> bool:
    """Whether the cached configuration answers webhooks to `uri` synchronously."""
    return config_cache().get().serves_sync(uri)


@cache
def aws_performer() -> AwsPerformer:
    """Performs scripts' `aws` actions on the targets the Action*Arns parameters list, with
    the overrides the ActionBuild* parameters allow."""
    from webhook_engine.actions.aws import AwsPerformer
    from webhook_engine.actions.aws_overrides import OVERRIDES, OverrideList
    from webhook_engine.actions.aws_targets import KINDS, AllowList
    from webhook_engine.adapters.aws_actions import BotoAwsCaller

    settings = get_settings()
    allow_list = AllowList({kind: getattr(settings, kind.setting) for kind in KINDS})
    overrides = OverrideList({item: getattr(settings, item.setting) for item in OVERRIDES})
    return AwsPerformer(allow_list, BotoAwsCaller(), overrides)


@cache
def toolkit() -> Toolkit:
    """What function scripts' `http` and `aws` calls reach in this container."""
    from webhook_engine.actions.calls import Toolkit
    from webhook_engine.actions.http import HttpPerformer

    return Toolkit({"http": HttpPerformer(http_client, address_policy), "aws": aws_performer()})


@cache
def processor() -> Processor:
    """The container's processor. Starts the script processes' zygote, whose cold start then
    overlaps the first configuration load."""
    from webhook_engine.pipeline.processing import Processor
    from webhook_engine.sandbox.supervisor import default_sandbox

    default_sandbox().start()
    settings = get_settings()
    return Processor(
        messages=message_store(),
        config=config_cache(),
        secrets=secret_store(),
        match_timeout=settings.match_timeout_seconds,
        function_timeout=settings.function_timeout_seconds,
        lease_seconds=settings.lease_seconds,
        toolkit=toolkit(),
    )


@cache
def consumer() -> Consumer:
    """The container's SQS consumer."""
    from webhook_engine.pipeline.consumer import Consumer

    settings = get_settings()
    return Consumer(
        processor=processor(),
        queue=queue(),
        budget=settings.submission_budget_seconds,
        reserve=settings.record_reserve_seconds,
        minimum=settings.record_minimum_seconds,
        max_receives=settings.max_receive_count,
    )


@cache
def sweeper() -> Sweeper:
    """The container's sweeper."""
    from webhook_engine.pipeline.sweeper import Sweeper

    settings = get_settings()
    return Sweeper(
        messages=message_store(),
        queue=queue(),
        after=settings.sweep_after,
        window=timedelta(hours=settings.sweep_window_hours),
        max_sweeps=settings.max_sweeps,
    )


@cache
def ingest() -> Ingest:
    """The container's ingest; the processor (and the sandbox) load on the first sync request."""
    from webhook_engine.pipeline.ingest import Ingest

    settings = get_settings()
    return Ingest(
        messages=message_store(),
        queue=queue(),
        processor=processor,
        max_body_bytes=settings.max_body_bytes,
        sync_budget=settings.sync_budget_seconds,
        sync_route=sync_route,
    )


def reset() -> None:
    """Forget every adapter (tests switch environments between cases)."""
    factories = (message_store, config_store, secret_store, queue, dead_letters, http_client)
    for factory in (
        *factories,
        audit_log,
        principal_roles,
        address_policy,
        config_cache,
        toolkit,
        aws_performer,
        processor,
        consumer,
        sweeper,
        ingest,
    ):
        factory.cache_clear()
    clients.reset()
    get_settings.cache_clear()
