"""Every boto3 client of a container comes from one session, made once."""

from __future__ import annotations

import boto3
import pytest

from webhook_engine.adapters import clients


@pytest.fixture
def sessions(monkeypatch: pytest.MonkeyPatch) -> list[boto3.session.Session]:
    """The sessions made from now on."""
    made: list[boto3.session.Session] = []
    session_class = boto3.session.Session

    def record(*args, **kwargs):
        made.append(session_class(*args, **kwargs))
        return made[-1]

    for name, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(boto3.session, "Session", record)
    clients.reset()
    yield made
    clients.reset()


def test_every_client_and_table_shares_one_session(sessions):
    # When the clients of every service the functions use are made, and two tables
    made = [clients.client(name) for name in ("sqs", "s3", "ssm", "dynamodb")]
    tables = [clients.dynamodb_table(name) for name in ("messages", "config")]

    # Then one session made them all, and each is made once
    assert len(sessions) == 1
    assert clients.client("sqs") is made[0]
    assert clients.dynamodb_table("messages") is tables[0]


def test_a_reset_starts_a_new_session(sessions):
    # Given a client
    first = clients.client("sqs")

    # When the clients are reset
    clients.reset()

    # Then the next client comes from a new session
    assert clients.client("sqs") is not first
    assert len(sessions) == 2
