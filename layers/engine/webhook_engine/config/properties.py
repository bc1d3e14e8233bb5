"""Provider properties: what the provider item keeps, and what goes to the secret store."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from webhook_engine.domain.errors import InvalidRequestError
from webhook_engine.domain.models import Property
from webhook_engine.domain.ports import SecretStore


@dataclass(frozen=True)
class PropertyPlan:
    kept: dict[str, Property] = field(default_factory=dict)  # secrets without their values
    put: dict[str, str] = field(default_factory=dict)  # secret values to write
    removed: list[str] = field(default_factory=list)  # secrets no longer listed

    @property
    def secrets_changed(self) -> bool:
        return bool(self.put or self.removed)

    def apply(self, provider_id: str, secrets: SecretStore) -> None:
        for name, value in self.put.items():
            secrets.put_secret(provider_id, name, value)
        for name in self.removed:
            secrets.delete_secret(provider_id, name)


def plan_properties(
    current: Mapping[str, Property],
    wanted: Mapping[str, Property],
    stored_secrets: Mapping[str, str] | None = None,
) -> PropertyPlan:
    """The one rule set for properties, whoever writes them (admin API, configuration file).

    A secret sent without a value keeps the stored one, and a new secret must have one; a value
    equal to `stored_secrets` is not rewritten; a secret that is no longer listed (or no longer
    secret) is removed.
    """
    stored_secrets = stored_secrets or {}
    plan = PropertyPlan()
    for name, prop in wanted.items():
        if prop.secret:
            _plan_secret(plan, name, prop.value, current, stored_secrets)
        else:
            plan.kept[name] = Property(value=prop.value or "")
    plan.removed.extend(
        name
        for name, prop in current.items()
        if prop.secret and not (name in plan.kept and plan.kept[name].secret)
    )
    return plan


def _plan_secret(
    plan: PropertyPlan,
    name: str,
    value: str | None,
    current: Mapping[str, Property],
    stored_secrets: Mapping[str, str],
) -> None:
    """Keep secret `name` (without its value); write `value` unless it is the stored one."""
    if value is None and not (name in current and current[name].secret):
        raise InvalidRequestError(f"properties.{name}: a new secret property needs a value")
    plan.kept[name] = Property(secret=True)
    if value is not None and stored_secrets.get(name) != value:
        plan.put[name] = value


def forget_secrets(
    properties: Mapping[str, Property], provider_id: str, secrets: SecretStore
) -> None:
    """Delete every secret value of a provider that is going away."""
    plan_properties(properties, {}).apply(provider_id, secrets)
