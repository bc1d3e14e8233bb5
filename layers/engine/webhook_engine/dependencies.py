"""Builds the AWS adapters from settings, once per container."""

from __future__ import annotations

from functools import cache

from webhook_engine.adapters import clients
from webhook_engine.adapters.config_table import DynamoConfigStore
from webhook_engine.adapters.messages_table import DynamoMessageStore
from webhook_engine.adapters.s3 import S3PayloadStore
from webhook_engine.adapters.sqs import SqsDeadLetters, SqsQueue
from webhook_engine.adapters.ssm import SsmSecretStore
from webhook_engine.ports import ConfigStore, DeadLetters, MessageStore, Queue, SecretStore
from webhook_engine.settings import get_settings


@cache
def message_store() -> MessageStore:
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
    return DynamoConfigStore(get_settings().config_table)


@cache
def secret_store() -> SecretStore:
    settings = get_settings()
    return SsmSecretStore(settings.parameter_prefix, max_age=settings.config_cache_seconds)


@cache
def queue() -> Queue:
    return SqsQueue(get_settings().queue_url)


@cache
def dead_letters() -> DeadLetters:
    settings = get_settings()
    return SqsDeadLetters(
        settings.queue_url,
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
