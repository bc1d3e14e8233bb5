"""The configuration routes on fakes: providers, functions and the document, secrets never
shown."""

from __future__ import annotations

import yaml

from tests.unit.admin.conftest import Admin
from tests.unit.builders import config_store, function, plain, provider, secret
from webhook_engine.domain.ports import UnreadableItem


def test_a_created_provider_shows_its_secret_masked_and_keeps_it_in_the_secret_store(
    admin: Admin,
):
    # When
    status, created = admin.call(
        "POST",
        "/providers",
        body={
            "name": "GitHub",
            "match_script": "return True",
            "properties": {"SECRET": {"value": "s3cr3t", "secret": True}},
        },
    )

    # Then
    assert status == 201
    assert created["properties"]["SECRET"]["value"] == "***"
    assert created["function_count"] == 0
    assert admin.secrets.values == {created["id"]: {"SECRET": "s3cr3t"}}
    assert "s3cr3t" not in str(admin.config.providers)


def test_providers_are_listed_in_order_with_function_counts_and_the_unreadable(admin: Admin):
    # Given two providers, one with two functions, and an item that cannot be read
    first, second = provider("A", position=0), provider("B", position=1)
    admin.config = config_store(first, second, function(first, "x"), function(first, "y"))
    admin.config.broken["p-C"] = UnreadableItem("provider", "p-C", "name: missing")

    # When the order is reversed, then listed
    reordered, _ = admin.call("PUT", "/providers/order", body={"ids": ["p-B", "p-A"]})
    status, listed = admin.call("GET", "/providers")

    # Then
    assert (reordered, status) == (200, 200)
    assert [(p["name"], p["function_count"]) for p in listed["items"]] == [("B", 0), ("A", 2)]
    assert listed["unreadable"] == [
        {"kind": "provider", "id": "p-C", "error": "name: missing", "name": None}
    ]


def test_a_provider_with_functions_is_deleted_only_with_them(admin: Admin):
    # Given
    owner = provider("A")
    admin.config.put_provider(owner)
    admin.config.put_function(function(owner, "x"))

    # When
    refused, _ = admin.call("DELETE", "/providers/p-A")
    deleted, _ = admin.call("DELETE", "/providers/p-A", query="cascade=true")

    # Then
    assert (refused, deleted) == (409, 204)
    assert (admin.config.providers, admin.config.functions) == ({}, {})


def test_functions_are_listed_with_their_providers_name(admin: Admin):
    # Given
    owner = provider("GitHub")
    admin.config.put_provider(owner)
    admin.config.put_function(function(owner, "deploy", uri="git/push"))

    # When
    status, listed = admin.call("GET", "/functions", query="provider=GitHub")

    # Then
    assert status == 200
    assert [(f["name"], f["uri"], f["provider"]) for f in listed["items"]] == [
        ("deploy", "git/push", "GitHub")
    ]


def test_a_function_of_an_unknown_provider_is_not_created(admin: Admin):
    # When
    status, body = admin.call(
        "POST",
        "/functions",
        body={"provider_id": "nope", "name": "f", "uri": "hook", "script": "pass"},
    )

    # Then
    assert (status, body["error"]["code"]) == (404, "not_found")
    assert admin.config.functions == {}


def test_the_exported_document_holds_no_secret_value(admin: Admin):
    # Given a provider with a secret, and a function
    owner = provider("GitHub", properties={"SECRET": secret(), "ORG": plain("acme")})
    admin.config.put_provider(owner)
    admin.secrets.put_secret(owner.id, "SECRET", "s3cr3t")
    admin.config.put_function(function(owner, "deploy"))

    # When
    response = admin.raw("GET", "/config", query="format=yaml")

    # Then
    document = yaml.safe_load(response["body"])
    [exported] = document["providers"]
    assert exported["properties"] == {
        "SECRET": {"secret": True},
        "ORG": {"value": "acme", "secret": False},
    }
    assert [f["name"] for f in exported["functions"]] == ["deploy"]
    assert "s3cr3t" not in response["body"]


def test_a_dry_run_apply_answers_the_plan_and_writes_nothing(admin: Admin):
    # Given a document with one new provider
    document = {"providers": [{"name": "GitHub", "match_script": "return True"}]}

    # When
    status, plan = admin.call("PUT", "/config", body=document, query="dry_run=true")

    # Then
    assert status == 200
    assert [(c["action"], c["kind"], c["name"]) for c in plan["changes"]] == [
        ("create", "provider", "GitHub")
    ]
    assert admin.config.providers == {}


def test_applying_no_document_is_refused(admin: Admin):
    # When
    status, body = admin.call("PUT", "/config", body="null")

    # Then
    assert (status, body["error"]["code"]) == (400, "invalid_request")
