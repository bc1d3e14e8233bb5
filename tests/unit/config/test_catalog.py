"""The catalog: providers and functions one at a time, as the admin API changes them."""

from __future__ import annotations

import pytest

from tests.fakes import FakeConfigStore, FakeSecretStore
from tests.unit.builders import plain, secret
from webhook_engine.config.catalog import Catalog, FunctionPatch, ProviderPatch
from webhook_engine.domain.errors import ConflictError, InvalidRequestError, NotFoundError
from webhook_engine.domain.models import FunctionFields, ProviderFields


@pytest.fixture
def catalog() -> Catalog:
    return Catalog(FakeConfigStore(), FakeSecretStore())


def add(catalog: Catalog, name: str, **fields):
    fields.setdefault("match_script", "return True")
    return catalog.create_provider(ProviderFields(name=name, **fields))


def add_function(catalog: Catalog, provider_id: str, name: str = "push", **fields):
    fields = {"uri": "git/push", "script": "pass"} | fields
    return catalog.create_function(provider_id, FunctionFields(name=name, **fields))


def order(catalog: Catalog) -> list[tuple[str, int]]:
    return [(p.name, p.position) for p in catalog.store.list_providers()]


@pytest.fixture
def github(catalog):
    return add(catalog, "GitHub", properties={"KEY": secret("k3y"), "ORG": plain("acme")})


# providers --------------------------------------------------------------------------------


def test_create_keeps_the_secret_out_of_the_provider(catalog, github):
    # Given a provider created with a secret and a plain property (fixture)
    # When it is read back
    stored = catalog.store.get_provider(github.id)

    # Then the secret value is in the secret store only
    assert stored.properties == {"KEY": secret(), "ORG": plain("acme")}
    assert catalog.secrets.values == {github.id: {"KEY": "k3y"}}
    assert (stored.version, stored.position) == (1, 0)


def test_create_appends_or_inserts_at_a_position(catalog, github):
    # Given GitHub (fixture) and Jira after it
    add(catalog, "Jira")

    # When Slack is created at position 1 and Stripe without one
    catalog.create_provider(ProviderFields(name="Slack", match_script="pass"), position=1)
    add(catalog, "Stripe")

    # Then
    assert order(catalog) == [("GitHub", 0), ("Slack", 1), ("Jira", 2), ("Stripe", 3)]


@pytest.mark.parametrize(
    "properties",
    [{"KEY": secret()}, {"ORG": plain("acme"), "KEY": secret(None)}],
    ids=["only property", "with others"],
)
def test_create_refuses_a_new_secret_without_a_value(catalog, properties):
    # Given an empty catalog, and a provider whose secret has no value
    # When / Then
    with pytest.raises(InvalidRequestError, match=r"^properties\.KEY"):
        add(catalog, "GitHub", properties=properties)
    assert catalog.store.revision() == 0
    assert catalog.secrets.values == {}


def test_patch_refuses_a_new_secret_without_a_value(catalog, github):
    # Given GitHub (fixture)
    revision = catalog.store.revision()

    # When / Then
    patch = ProviderPatch(properties={"KEY": secret(), "NEW": secret()})
    with pytest.raises(InvalidRequestError, match=r"^properties\.NEW"):
        catalog.patch_provider(github.id, patch)
    assert catalog.store.revision() == revision


def test_create_refuses_a_taken_name(catalog, github):
    # Given GitHub (fixture)
    # When / Then
    with pytest.raises(ConflictError):
        add(catalog, "GitHub")


def test_patch_to_a_taken_name_is_a_conflict_and_to_its_own_is_not(catalog, github):
    # Given
    jira = add(catalog, "Jira")

    # When / Then
    with pytest.raises(ConflictError):
        catalog.patch_provider(jira.id, ProviderPatch(name="GitHub"))
    assert catalog.patch_provider(jira.id, ProviderPatch(name="Jira")).name == "Jira"


def test_patch_without_properties_keeps_them_and_their_secrets(catalog, github):
    # Given GitHub (fixture) with a secret
    # When only its description changes
    patched = catalog.patch_provider(github.id, ProviderPatch(description="hooks"))

    # Then
    assert patched.description == "hooks"
    assert patched.properties == github.properties
    assert catalog.secrets.values == {github.id: {"KEY": "k3y"}}


def test_patch_with_a_secret_left_without_value_keeps_the_stored_one(catalog, github):
    # Given GitHub (fixture) with its secret stored
    # When the properties are sent as an export shows them (no secret values)
    patch = ProviderPatch(properties={"KEY": secret(), "ORG": plain("acme")})
    patched = catalog.patch_provider(github.id, patch)

    # Then nothing changed
    assert patched.updated_at == github.updated_at
    assert catalog.secrets.values == {github.id: {"KEY": "k3y"}}


@pytest.mark.parametrize(
    ("patch", "version"),
    [
        (ProviderPatch(description="d"), 1),
        (ProviderPatch(active=False), 1),
        (ProviderPatch(match_script="return False"), 2),
    ],
    ids=["description", "active", "match script"],
)
def test_provider_version_goes_up_only_on_a_new_script(catalog, github, patch, version):
    # Given GitHub (fixture) at version 1
    # When
    patched = catalog.patch_provider(github.id, patch)

    # Then
    assert patched.version == version
    assert [v.version for v in catalog.store.list_versions(github.id)] == list(
        range(version, 0, -1)
    )


def test_replace_sets_every_field_and_drops_secrets_left_out(catalog, github):
    # Given GitHub (fixture) with a description, a secret and a plain property
    catalog.patch_provider(github.id, ProviderPatch(description="hooks"))

    # When it is replaced by fields without description or properties
    replaced = catalog.replace_provider(
        github.id, ProviderFields(name="GitHub", match_script="return True")
    )

    # Then
    assert (replaced.description, replaced.properties) == ("", {})
    assert catalog.secrets.values == {}


def test_patch_can_move_a_provider(catalog, github):
    # Given three providers
    add(catalog, "Jira")
    slack = add(catalog, "Slack")

    # When Slack is moved first
    catalog.patch_provider(slack.id, ProviderPatch(), position=0)

    # Then
    assert order(catalog) == [("Slack", 0), ("GitHub", 1), ("Jira", 2)]


def test_reorder_sets_every_position(catalog, github):
    # Given
    jira, slack = add(catalog, "Jira"), add(catalog, "Slack")

    # When
    ordered = catalog.reorder([slack.id, github.id, jira.id])

    # Then
    assert [p.name for p in ordered] == ["Slack", "GitHub", "Jira"]
    assert order(catalog) == [("Slack", 0), ("GitHub", 1), ("Jira", 2)]


@pytest.mark.parametrize("ids", [[], ["nope"], ["GH", "GH"]], ids=["none", "unknown", "twice"])
def test_reorder_must_name_every_provider_once(catalog, github, ids):
    # Given
    ids = [github.id if i == "GH" else i for i in ids]

    # When / Then
    with pytest.raises(InvalidRequestError, match="every provider exactly once"):
        catalog.reorder(ids)


def test_delete_with_functions_needs_cascade(catalog, github):
    # Given GitHub with a function, and Jira after it
    add_function(catalog, github.id)
    add(catalog, "Jira")

    # When deleted without cascade
    with pytest.raises(ConflictError, match="1 function"):
        catalog.delete_provider(github.id)

    # Then nothing went
    assert [p.name for p in catalog.store.list_providers()] == ["GitHub", "Jira"]
    assert len(catalog.store.list_functions()) == 1


def test_delete_with_cascade_removes_functions_and_secrets_and_renumbers(catalog, github):
    # Given GitHub with a function and a secret, and Jira after it
    add_function(catalog, github.id)
    add(catalog, "Jira")

    # When
    catalog.delete_provider(github.id, cascade=True)

    # Then
    assert order(catalog) == [("Jira", 0)]
    assert catalog.store.list_functions() == []
    assert catalog.secrets.values == {}


def test_unknown_provider_is_not_found(catalog):
    # Given an empty catalog
    # When / Then
    with pytest.raises(NotFoundError):
        catalog.patch_provider("nope", ProviderPatch())
    with pytest.raises(NotFoundError):
        catalog.delete_provider("nope")


# functions --------------------------------------------------------------------------------


def test_create_function_normalises_its_uri(catalog, github):
    # Given GitHub (fixture)
    # When
    created = add_function(catalog, github.id, uri="/git//push/")

    # Then
    assert (created.uri, created.version, created.provider_id) == ("git/push", 1, github.id)
    assert catalog.store.get_function(created.id) == created


def test_function_names_are_unique_per_provider(catalog, github):
    # Given GitHub's function and another provider
    add_function(catalog, github.id)
    jira = add(catalog, "Jira")

    # When / Then the name is taken at GitHub, free at Jira
    with pytest.raises(ConflictError):
        add_function(catalog, github.id)
    assert add_function(catalog, jira.id).provider_id == jira.id


def test_patch_to_a_taken_function_name_is_a_conflict(catalog, github):
    # Given
    add_function(catalog, github.id, "push")
    tag = add_function(catalog, github.id, "tag")

    # When / Then
    with pytest.raises(ConflictError):
        catalog.patch_function(tag.id, FunctionPatch(name="push"))


def test_a_functions_provider_cannot_change(catalog, github):
    # Given
    function = add_function(catalog, github.id)
    jira = add(catalog, "Jira")

    # When / Then another provider is refused, its own is accepted
    with pytest.raises(InvalidRequestError, match=r"^provider_id"):
        catalog.patch_function(function.id, FunctionPatch(provider_id=jira.id, script="x = 1"))
    same = catalog.patch_function(function.id, FunctionPatch(provider_id=github.id))
    assert same.provider_id == github.id
    assert catalog.store.get_function(function.id).script == "pass"


@pytest.mark.parametrize(
    ("patch", "version", "changed"),
    [
        (FunctionPatch(active=False), 1, {"active": False}),
        (FunctionPatch(uri="git//tag"), 1, {"uri": "git/tag"}),
        (FunctionPatch(script="return 1"), 2, {"script": "return 1"}),
        (FunctionPatch(), 1, {}),
    ],
    ids=["active", "uri", "script", "nothing"],
)
def test_function_patch_changes_only_what_it_sets(catalog, github, patch, version, changed):
    # Given
    function = add_function(catalog, github.id, description="d")

    # When
    patched = catalog.patch_function(function.id, patch)

    # Then
    expected = function.model_copy(update=changed | {"version": version})
    assert patched.model_dump(exclude={"updated_at"}) == expected.model_dump(exclude={"updated_at"})
    assert len(catalog.store.list_versions(function.id)) == version


def test_replace_function_sets_every_field(catalog, github):
    # Given a function with a description
    function = add_function(catalog, github.id, description="d")

    # When it is replaced by fields without one
    fields = FunctionFields(name="push", uri="git/push", script="return 2")
    replaced = catalog.replace_function(function.id, github.id, fields)

    # Then
    assert (replaced.description, replaced.script, replaced.version) == ("", "return 2", 2)


def test_functions_of_one_provider_by_id_or_name(catalog, github):
    # Given functions at two providers
    add_function(catalog, github.id)
    jira = add(catalog, "Jira")
    add_function(catalog, jira.id, "issue", uri="jira/issue")

    # When / Then
    assert [f.name for f in catalog.functions("Jira")] == ["issue"]
    assert [f.name for f in catalog.functions(github.id)] == ["push"]
    assert len(catalog.functions()) == 2
    assert catalog.function_counts() == {github.id: 1, jira.id: 1}
    with pytest.raises(NotFoundError):
        catalog.functions("Nope")


def test_delete_function(catalog, github):
    # Given
    function = add_function(catalog, github.id)

    # When
    catalog.delete_function(function.id)

    # Then
    assert catalog.store.list_functions() == []
    with pytest.raises(NotFoundError):
        catalog.delete_function(function.id)
