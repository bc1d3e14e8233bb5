"""The rules every provider and function write follows: scripts, names, versions, changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.unit.builders import function, plain, provider, secret
from webhook_engine.config.rules import (
    check_script,
    require_free_name,
    revise_function,
    revise_provider,
)
from webhook_engine.domain.errors import ConflictError, InvalidRequestError
from webhook_engine.domain.models import FunctionFields, ProviderFields

EARLIER = datetime(2026, 11, 1, tzinfo=UTC)
NOW = EARLIER + timedelta(days=1)
STORED = provider("GitHub", match_script="return True", version=3, updated_at=EARLIER)
STORED_FUNCTION = function(STORED, "push", uri="git/push", version=2, updated_at=EARLIER)


def fields_of(item, model):
    return model.model_validate(item.model_dump(include=set(model.model_fields)))


def test_check_script_names_the_script_and_the_line():
    # Given a script whose second line does not compile
    # When / Then
    with pytest.raises(InvalidRequestError, match=r"^function f script: .*line 2") as refused:
        check_script("x = 1\nreturn ((", "function f script")
    assert refused.value.status == 400


def test_require_free_name_is_a_409_for_a_taken_name():
    # Given the names in use
    taken = {"GitHub", "Jira"}

    # When / Then a free name passes and a taken one conflicts
    require_free_name("Slack", taken, "a provider")
    with pytest.raises(ConflictError, match="a provider named Jira already exists"):
        require_free_name("Jira", taken, "a provider")


def test_a_new_provider_gets_an_id_version_1_and_its_property_plan():
    # Given
    fields = ProviderFields(
        name="GitHub", match_script="return True", properties={"KEY": secret("k3y")}
    )

    # When
    revision = revise_provider(None, fields, position=4, stored_secrets={}, now=NOW)

    # Then
    assert revision.new
    assert revision.needs_write
    assert (revision.item.version, revision.item.position, revision.item.updated_at) == (1, 4, NOW)
    assert len(revision.item.id) == 26
    assert revision.item.properties == {"KEY": secret()}
    assert revision.properties.put == {"KEY": "k3y"}


# field changes -> changed fields, version
PROVIDER_CHANGES = {
    "unchanged": ({}, [], 3),
    "description": ({"description": "new"}, ["description"], 3),
    "active": ({"active": False}, ["active"], 3),
    "properties": ({"properties": {"ORG": plain("acme")}}, ["properties"], 3),
    "match_script": ({"match_script": "return False"}, ["match_script"], 4),
    "new secret": ({"properties": {"K": secret("v")}}, ["properties", "secrets"], 3),
}


@pytest.mark.parametrize(
    ("change", "changed", "version"), PROVIDER_CHANGES.values(), ids=PROVIDER_CHANGES
)
def test_provider_revision_lists_changed_fields_and_bumps_the_version_on_a_new_script(
    change, changed, version
):
    # Given the stored provider and fields that differ by `change`
    fields = fields_of(STORED, ProviderFields).model_copy(update=change)

    # When
    revision = revise_provider(STORED, fields, position=0, stored_secrets={}, now=NOW)

    # Then
    assert (revision.new, revision.changed, revision.item.version) == (False, changed, version)
    assert revision.item.id == STORED.id
    assert revision.needs_write is bool(changed)
    assert revision.item.updated_at == (NOW if changed else EARLIER)


FUNCTION_CHANGES = {
    "unchanged": ({}, [], 2),
    "same uri spelled otherwise": ({"uri": "/git//push/"}, [], 2),
    "uri": ({"uri": "git/tag"}, ["uri"], 2),
    "name and active": ({"name": "p", "active": False}, ["name", "active"], 2),
    "script": ({"script": "return 1"}, ["script"], 3),
}


@pytest.mark.parametrize(
    ("change", "changed", "version"), FUNCTION_CHANGES.values(), ids=FUNCTION_CHANGES
)
def test_function_revision_lists_changed_fields_and_bumps_the_version_on_a_new_script(
    change, changed, version
):
    # Given the stored function and fields that differ by `change` (validated as a request is)
    data = fields_of(STORED_FUNCTION, FunctionFields).model_dump() | change
    fields = FunctionFields.model_validate(data)

    # When
    revision = revise_function(STORED_FUNCTION, fields, provider_id=STORED.id, now=NOW)

    # Then
    assert (revision.changed, revision.item.version) == (changed, version)
    assert revision.item.uri == fields.uri
    assert revision.item.updated_at == (NOW if changed else EARLIER)


def test_a_function_with_a_broken_script_is_refused_before_anything_is_built():
    # Given
    fields = FunctionFields(name="f", uri="hook", script="return ((")

    # When / Then
    with pytest.raises(InvalidRequestError, match=r"^function f script"):
        revise_function(None, fields, provider_id="p", now=NOW)


@pytest.mark.parametrize(
    ("hosts", "refused"),
    [
        (["login.example.com", "hooks.example.com:8443", "[2001:db8::1]:443"], None),
        (["https://login.example.com/"], "https://login.example.com/"),
        (["user@login.example.com"], "user@login.example.com"),
        (["login.example.com/path"], "login.example.com/path"),
        (["login.example.com:"], "login.example.com:"),
    ],
)
def test_a_provider_lists_redirect_hosts_as_host_or_host_and_port(hosts, refused):
    # Given
    fields = ProviderFields(name="Slack", match_script="return True", redirect_hosts=hosts)

    # When / Then
    if refused is None:
        revision = revise_provider(None, fields, position=0, stored_secrets={}, now=NOW)
        assert revision.item.redirect_hosts == hosts
    else:
        with pytest.raises(InvalidRequestError, match=r"^provider Slack redirect_hosts: ") as no:
            revise_provider(None, fields, position=0, stored_secrets={}, now=NOW)
        assert repr(refused) in no.value.message
