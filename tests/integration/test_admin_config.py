"""Providers, functions, script versions, secrets and config documents via the admin API."""

from __future__ import annotations

import json

import boto3
import pytest
import yaml

from tests.integration.admin_client import call
from webhook_engine.config.document import ConfigDocument

MATCH = 'return headers.get("x-github-event") is not None'


@pytest.fixture
def github(stack) -> dict:
    status, provider = call(
        "POST",
        "/providers",
        {
            "name": "GitHub",
            "match_script": MATCH,
            "properties": {
                "SECRET": {"value": "hunter2", "secret": True},
                "ORG": {"value": "acme"},
            },
        },
    )
    assert status == 201
    return provider


def test_create_provider_hides_secret_and_stores_it_in_ssm(github, stack):
    # Given a provider created with a secret property (fixture)
    # When it is read back
    status, provider = call("GET", f"/providers/{github['id']}")

    # Then the secret shows as *** and lives in SSM as a SecureString
    parameter = boto3.client("ssm").get_parameter(
        Name=f"/test/providers/{github['id']}/SECRET", WithDecryption=True
    )["Parameter"]
    assert status == 200
    assert provider["properties"]["SECRET"] == {"value": "***", "secret": True}
    assert provider["properties"]["ORG"] == {"value": "acme", "secret": False}
    assert (parameter["Type"], parameter["Value"]) == ("SecureString", "hunter2")
    assert "hunter2" not in str(call("GET", "/providers")[1])
    assert "hunter2" not in str(call("GET", "/config", query="format=yaml")[1])


def test_script_syntax_error_is_400_naming_the_line(stack):
    # When
    status, body = call("POST", "/providers", {"name": "Bad", "match_script": "x = 1\nreturn (("})

    # Then
    assert status == 400
    assert "line 2" in body["error"]["message"]


def test_duplicate_provider_name_is_409(github):
    # When
    status, body = call("POST", "/providers", {"name": "GitHub", "match_script": MATCH})

    # Then
    assert status == 409
    assert body["error"]["code"] == "conflict"


def test_missing_field_is_400_naming_it(stack):
    # When
    status, body = call("POST", "/providers", {"name": "NoScript"})

    # Then
    assert status == 400
    assert "match_script" in body["error"]["message"]


@pytest.mark.parametrize("path", ["/providers/NOPE", "/functions/NOPE", "/messages/NOPE"])
def test_unknown_ids_are_404(stack, path):
    # When
    status, body = call("GET", path)

    # Then
    assert status == 404
    assert body["error"]["code"] == "not_found"


def test_function_lifecycle_and_versions(github):
    # Given a function
    status, function = call(
        "POST",
        "/functions",
        {"provider_id": github["id"], "name": "push", "uri": "/git/push/", "script": "return 1"},
    )
    assert status == 201
    assert function["uri"] == "git/push"

    # When its script is changed twice and it is switched off
    call("PATCH", f"/functions/{function['id']}", {"script": "return 2"})
    call("PATCH", f"/functions/{function['id']}", {"script": "return 3", "active": False})
    _, current = call("GET", f"/functions/{function['id']}")
    _, versions = call("GET", f"/functions/{function['id']}/versions")

    # Then every version is kept, newest first
    assert (current["version"], current["active"], current["provider"]) == (3, False, "GitHub")
    assert [(v["version"], v["script"]) for v in versions["items"]] == [
        (3, "return 3"),
        (2, "return 2"),
        (1, "return 1"),
    ]


def test_function_provider_cannot_change(github):
    # Given
    _, other = call("POST", "/providers", {"name": "Other", "match_script": "return False"})
    _, function = call(
        "POST", "/functions", {"provider_id": github["id"], "name": "f", "uri": "a", "script": ""}
    )

    # When
    status, body = call("PATCH", f"/functions/{function['id']}", {"provider_id": other["id"]})

    # Then
    assert status == 400
    assert "provider" in body["error"]["message"]


def test_delete_provider_with_functions_needs_cascade(github, stack):
    # Given a provider with a function
    call("POST", "/functions", {"provider_id": github["id"], "name": "f", "uri": "a", "script": ""})

    # When deleted without, then with cascade
    refused, _ = call("DELETE", f"/providers/{github['id']}")
    deleted, _ = call("DELETE", f"/providers/{github['id']}", query="cascade=true")

    # Then
    assert (refused, deleted) == (409, 204)
    assert call("GET", "/functions")[1]["items"] == []
    names = boto3.client("ssm").describe_parameters()["Parameters"]
    assert names == []


def test_reorder_and_toggle(github):
    # Given two providers
    _, jira = call("POST", "/providers", {"name": "Jira", "match_script": "return True"})

    # When Jira is moved first and GitHub switched off
    status, ordered = call("PUT", "/providers/order", {"ids": [jira["id"], github["id"]]})
    call("PATCH", f"/providers/{github['id']}", {"active": False})
    _, listed = call("GET", "/providers")

    # Then
    assert status == 200
    assert [p["name"] for p in ordered["items"]] == ["Jira", "GitHub"]
    assert [(p["name"], p["position"], p["active"]) for p in listed["items"]] == [
        ("Jira", 0, True),
        ("GitHub", 1, False),
    ]


def test_sync_is_off_by_default_and_switched_per_provider_and_function(github):
    # Given a function of GitHub
    _, function = call(
        "POST",
        "/functions",
        {"provider_id": github["id"], "name": "push", "uri": "git/push", "script": "return"},
    )

    # When both are switched to sync
    call("PATCH", f"/providers/{github['id']}", {"sync": True})
    call("PATCH", f"/functions/{function['id']}", {"sync": True})

    # Then both read back as sync, and the exported document says so
    _, provider = call("GET", f"/providers/{github['id']}")
    _, current = call("GET", f"/functions/{function['id']}")
    document = ConfigDocument.parse(call("GET", "/config")[1])
    assert (github["sync"], function["sync"]) == (False, False)
    assert (provider["sync"], current["sync"]) == (True, True)
    assert (document.providers[0].sync, document.providers[0].functions[0].sync) == (True, True)


def test_order_must_list_every_provider(github):
    # When
    status, _ = call("PUT", "/providers/order", {"ids": ["nope"]})

    # Then
    assert status == 400


CONFIG = """
providers:
  - name: GitHub
    properties:
      SECRET: {value: s3cr3t, secret: true}
      ORG: {value: acme}
    match_script: |
      return "x-github-event" in headers
    functions:
      - name: push
        uri: git/push
        script: |
          log.info("push")
  - name: Jira
    match_script: return True
    functions: []
"""


def test_apply_then_export_round_trips_without_secrets(stack):
    # Given a document applied through the API
    status, plan = call("PUT", "/config", CONFIG)
    assert status == 200
    assert plan["applied"] is True

    # When it is exported and applied again
    _, exported = call("GET", "/config", query="format=yaml")
    _, again = call("PUT", "/config", exported)

    # Then the export equals the document less secret values, and nothing changes
    expected = ConfigDocument.from_text(CONFIG.replace("value: s3cr3t, ", ""))
    assert ConfigDocument.from_text(exported) == expected
    assert again["changes"] == []
    assert "s3cr3t" not in exported


def test_dry_run_changes_nothing(stack):
    # When
    status, plan = call("PUT", "/config", CONFIG, query="dry_run=true")

    # Then
    assert status == 200
    assert plan["applied"] is False
    assert [(c["action"], c["kind"], c["name"]) for c in plan["changes"]] == [
        ("create", "provider", "GitHub"),
        ("create", "function", "push"),
        ("create", "provider", "Jira"),
    ]
    assert call("GET", "/providers")[1]["items"] == []


def test_prune_deletes_only_when_asked(stack):
    # Given the document applied
    call("PUT", "/config", CONFIG)
    smaller = CONFIG.split("  - name: Jira", maxsplit=1)[0]

    # When a document without Jira is applied, first without prune, then with it
    _, kept = call("PUT", "/config", smaller)
    _, pruned = call("PUT", "/config", smaller, query="prune=true")

    # Then
    assert [c["action"] for c in kept["changes"]] == []
    assert [(c["action"], c["name"]) for c in pruned["changes"]] == [("delete", "Jira")]
    assert [p["name"] for p in call("GET", "/providers")[1]["items"]] == ["GitHub"]


def test_apply_refuses_a_broken_script_naming_it(stack):
    # When
    status, body = call("PUT", "/config", CONFIG.replace('log.info("push")', "log.info(("))

    # Then
    assert status == 400
    assert "function push" in body["error"]["message"]


def test_dry_run_request_with_draft_scripts_stores_nothing(stack):
    # Given a stored configuration
    call("PUT", "/config", CONFIG)
    draft = yaml.safe_load(CONFIG)
    draft["providers"][0]["functions"][0]["script"] = (
        'log.info("draft " + str(len(props["SECRET"])))'
    )

    # When a request is tested against the stored, then the draft scripts
    request = {"uri": "git/push", "headers": {"X-GitHub-Event": "push"}, "body": "{}"}
    _, stored = call("POST", "/test", request)
    _, drafted = call("POST", "/test", request | {"config": draft})

    # Then both matched GitHub; the draft used the draft script (and the stored secret)
    assert (stored["status"], stored["provider"]) == ("SUCCESS", "GitHub")
    assert stored["executions"][0]["logs"][0]["message"] == "push"
    assert drafted["executions"][0]["logs"][0]["message"] == "draft 6"
    assert [e["provider"] for e in drafted["evaluations"]] == ["GitHub"]
    assert call("GET", "/messages")[1]["items"] == []


def test_apply_deletes_the_secret_of_a_removed_property(stack):
    # Given the document applied, with its secret in SSM
    call("PUT", "/config", CONFIG)

    # When the secret property is dropped from the file
    status, plan = call(
        "PUT", "/config", CONFIG.replace("      SECRET: {value: s3cr3t, secret: true}\n", "")
    )

    # Then the provider changed and its secret is gone from SSM
    assert status == 200
    assert plan["changes"][0]["fields"] == ["properties", "secrets"]
    assert boto3.client("ssm").describe_parameters()["Parameters"] == []


@pytest.mark.parametrize(
    "properties",
    ["SECRET: {secret: true}", "SECRET: {value: null, secret: true}"],
    ids=["no value", "null value"],
)
def test_apply_refuses_a_new_secret_without_a_value_naming_it(stack, properties):
    # Given an exported document (secret values left out) and an empty stack
    document = CONFIG.replace("SECRET: {value: s3cr3t, secret: true}", properties)

    # When it is applied
    status, body = call("PUT", "/config", document)

    # Then it is refused, as the same provider would be through POST /providers
    assert status == 400
    assert "properties.SECRET" in body["error"]["message"]
    assert call("GET", "/providers")[1]["items"] == []


def test_apply_keeps_a_stored_secret_left_out_of_the_document(stack):
    # Given the document applied with its secret
    call("PUT", "/config", CONFIG)

    # When its export (no secret values) is applied again
    _, exported = call("GET", "/config", query="format=yaml")
    status, plan = call("PUT", "/config", exported)

    # Then nothing changes and the secret is still there
    assert (status, plan["changes"]) == (200, [])
    (parameter,) = boto3.client("ssm").describe_parameters()["Parameters"]
    assert parameter["Name"].endswith("/SECRET")


@pytest.mark.parametrize("uri", ["/git/push/", "git//push", " git/push "])
def test_function_uris_are_normalised_on_every_write_path(github, uri):
    # When a function is created through the API with another spelling of git/push
    status, created = call(
        "POST",
        "/functions",
        {"provider_id": github["id"], "name": "push", "uri": uri, "script": "pass"},
    )

    # Then it is stored as git/push, as a configuration file would store it
    assert (status, created["uri"]) == (201, "git/push")
    document = ConfigDocument.from_text(CONFIG.replace("uri: git/push", f"uri: '{uri}'"))
    assert document.providers[0].functions[0].uri == "git/push"


DRAFT_WITHOUT_SECRET = {
    "providers": [
        {
            "name": "GitHub",
            "properties": {"SECRET": {"secret": True}},
            "match_script": "return True",
            "functions": [
                {
                    "name": "length",
                    "uri": "hook",
                    "script": 'log.info("length " + str(len(props["SECRET"])))',
                }
            ],
        }
    ]
}


def test_a_draft_does_not_inherit_stored_secrets_unless_asked(github, caplog):
    # Given a stored provider GitHub with a secret, and a draft GitHub leaving its value out
    request = {"uri": "hook", "body": "{}", "config": DRAFT_WITHOUT_SECRET}

    # When the draft is tested, then tested again asking for the stored secrets
    _, plain = call("POST", "/test", request)
    _, lent = call("POST", "/test", request | {"inherit_secrets": True})

    # Then the first run saw an empty secret and says so; the second saw the stored one,
    # and the admin function's log records who asked for it
    assert plain["executions"][0]["logs"][0]["message"] == "length 0"
    assert plain["secrets_left_out"] == ["GitHub/SECRET"]
    assert lent["executions"][0]["logs"][0]["message"] == "length 7"
    assert lent["secrets_left_out"] == []
    (audit,) = [r for r in caplog.records if r.getMessage().startswith("dry run lends")]
    assert audit.caller.startswith("arn:aws:iam::123456789012:")
    assert audit.caller.endswith(" from 203.0.113.17")
    assert audit.secrets == ["GitHub/SECRET"]
    assert "hunter2" not in json.dumps(lent)
