"""Builds the AWS adapters from settings, once per container.

Adapters are imported inside their factories: a function loads only the ones its path uses
(the asynchronous ingest needs neither the configuration table nor SSM), which keeps cold
starts short.
"""

from __future__ import annotations

from functools import cache

from webhook_engine.adapters import clients
from webhook_engine.domain.ports import ConfigStore, DeadLetters, MessageStore, Queue, SecretStore
from webhook_engine.settings import get_settings


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
        shards=settings.list_shards,
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
        settings.queue_arn,
        settings.dead_letter_queue_url,
        settings.dead_letter_queue_arn,
    )


def reset() -> None:
    """Forget every adapter (tests switch environments between cases)."""
    for factory in (message_store, config_store, secret_store, queue, dead_letters):
        factory.cache_clear()
    clients.client.cache_clear()
    clients.dynamodb_table.cache_clear()
    get_settings.cache_clear()
